import CityBrainCore

/// A destination for numbered alerts: the ZeroMQ stream, a JSON-lines file, the terminal.
///
/// ``deliver(_:)`` is called from one queue at a time, in sequence order.
public protocol AlertSink: Sendable {
    func deliver(_ alerts: [Alert])
    /// Flushes and releases resources; called once, after the last delivery.
    func close()
}
