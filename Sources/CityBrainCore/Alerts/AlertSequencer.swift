/// Stamps alerts with gap-free sequence numbers in the order they are emitted.
///
/// Not thread-safe: the alert sink owns one and calls it from its serial queue.
public struct AlertSequencer: Sendable {
    /// The last number handed out; the next alert gets `last + 1`.
    public private(set) var last: UInt64

    public init(startingAfter last: UInt64 = 0) {
        self.last = last
    }

    public mutating func stamp(_ alerts: inout [Alert]) {
        for index in alerts.indices { stamp(&alerts[index]) }
    }

    /// Gives `alert` the next number.
    public mutating func stamp(_ alert: inout Alert) {
        last += 1
        alert.seq = last
    }
}
