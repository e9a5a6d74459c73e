import CityBrainCore
import Synchronization

/// An output sink that keeps every alert it is given, for tools that look at a whole run's
/// alerts afterwards (`citybrain evaluate`).
public final class AlertCollector: OutputSink, Sendable {
    private let collected = Mutex<[Alert]>([])

    public init() {}

    public func deliver(_ records: [OutputRecord]) {
        let alerts = records.compactMap(\.alert)
        collected.withLock { $0 += alerts }
    }

    public func close() {}

    /// The alerts delivered so far, in delivery order.
    public var alerts: [Alert] { collected.withLock { $0 } }
}
