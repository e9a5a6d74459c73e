/// What a durable run keeps, and how often (`run --checkpoint DIR --checkpoint-every …`).
public struct DurabilitySettings: Sendable {
    public var store: CheckpointStore
    public var interval: Checkpointer.Interval
    /// The live input, logged before the engine sees it (live runs only).
    public var inputLog: InputLog?

    public init(store: CheckpointStore, interval: Checkpointer.Interval, inputLog: InputLog? = nil) {
        self.store = store
        self.interval = interval
        self.inputLog = inputLog
    }
}
