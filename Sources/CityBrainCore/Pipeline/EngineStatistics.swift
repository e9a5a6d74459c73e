/// Running totals of a ``StreamEngine``, as of the last emitted batch.
public struct EngineStatistics: Sendable, Equatable {
    /// Events that reached a partition.
    public var events = 0
    /// Events dropped because a window they belonged to had already closed.
    public var lateEvents = 0
    /// Alerts emitted (every state change counts).
    public var alerts = 0
    /// The engine's watermark in event time (Unix ms), `nil` before the first event.
    public var watermark: Int64?
    /// Open (key, window) pairs across partitions.
    public var openWindows = 0
    /// Alerts raised and not yet resolved.
    public var openAlerts = 0
    /// Batches submitted but not yet emitted.
    public var batchesInFlight = 0

    public init() {}
}
