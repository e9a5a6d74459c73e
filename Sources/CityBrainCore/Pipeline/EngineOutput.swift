/// What the engine hands to its output handler for one batch, in submission order.
public struct EngineOutput: Sendable {
    /// Alert state changes in a deterministic order: by event time, then rule order in the
    /// pipeline, then key. `seq` is still 0: the alert sink numbers them.
    public var alerts: [Alert]
    /// The watermark after the batch.
    public var watermark: Int64?
    /// Events in the batch.
    public var events: Int
    /// Late events in the batch.
    public var lateEvents: Int
}
