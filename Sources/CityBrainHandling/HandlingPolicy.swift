import CityBrainCore
/// How fast the operations centre must take on an alert: an alert not acknowledged within its
/// severity's limit is escalated, and counts against its department's on-time rate.
public struct HandlingPolicy: Sendable, Hashable {
    /// Acknowledgement limit per severity, ms.
    public var acknowledgeWithin: [Severity: Int64]
    /// The span the on-time rate looks back over, ms (a day).
    public var onTimeWindow: Int64
    /// How long a closed case stays on the board and in the API, ms.
    public var retainClosed: Int64

    /// Critical 5 minutes, warning 15, info 60; on-time rate over the last day.
    public init(acknowledgeWithin: [Severity: Int64] = [.critical: 300_000, .warning: 900_000, .info: 3_600_000],
                onTimeWindow: Int64 = 86_400_000, retainClosed: Int64 = 86_400_000) {
        self.acknowledgeWithin = acknowledgeWithin
        self.onTimeWindow = onTimeWindow
        self.retainClosed = retainClosed
    }

    /// The limit for `severity` (an hour when none is configured).
    public func limit(for severity: Severity) -> Int64 { acknowledgeWithin[severity] ?? 3_600_000 }
}
