/// Running totals of a ``StreamEngine``, as of the last emitted batch.
public struct EngineStatistics: Sendable, Equatable {
    /// Events that reached a partition.
    public var events = 0
    /// Late-event records: events dropped because every window they belonged to (for some rule or
    /// output) was past its allowed lateness.
    public var lateEvents = 0
    /// Readings of pipeline-declared measurements outside their declared `range`: left out of
    /// every rule and output (the event's other readings still count).
    public var outOfRangeReadings = 0
    /// Alerts emitted (every state change counts).
    public var alerts = 0
    /// Window results emitted.
    public var windowResults = 0
    /// The engine's watermark in event time (Unix ms), `nil` before the first event.
    public var watermark: Int64?
    /// Open (key, window) pairs across partitions, including fired windows kept for late events.
    public var openWindows = 0
    /// Estimated bytes of window, key and alert state across partitions.
    public var stateBytes = 0
    /// Keys (sensors and districts) holding state.
    public var keys = 0
    /// Alerts raised and not yet resolved.
    public var openAlerts = 0
    /// Batches submitted but not yet emitted.
    public var batchesInFlight = 0

    public init() {}
}
