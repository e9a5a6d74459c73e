/// What the engine hands to its output handler for one batch, in submission order.
public struct EngineOutput: Sendable {
    /// Alerts, window results and late events with their triggers, in a deterministic order: by
    /// the input position that caused them, then window results, late events, alerts, then
    /// window end, pipeline order and key. Alerts' `seq` is still 0: the alert sink numbers them.
    public var batch: OutputBatch
    /// The watermark after the batch.
    public var watermark: Int64?
    /// Events in the batch.
    public var events: Int
    /// Late events in the batch.
    public var lateEvents: Int
    /// The engine's state after this batch, when the batch is a checkpoint barrier
    /// (``StreamEngine/checkpoint()``): every earlier record has been handed over, none later.
    public var checkpoint: EngineSnapshot?

    /// The batch's records, in order (``batch`` without the triggers).
    public var records: [OutputRecord] { batch.records }

    /// The batch's alerts, in order.
    public var alerts: [Alert] { batch.alerts }
}
