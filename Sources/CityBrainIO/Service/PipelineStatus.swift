import CityBrainCore

/// A point-in-time view of a pipeline's counters.
public struct PipelineStatus: Sendable, Equatable {
    public var ingest: IngestStatistics.Snapshot
    public var engine: EngineStatistics
    public var lastSequence: UInt64
    /// Checkpoints, when the run keeps them.
    public var checkpoints: CheckpointStatus?
    /// Since when (Unix ms) ingest has been shedding readings because the engine is full; `nil`
    /// when nothing was shed lately (see ``IngestStatistics/overloadedSince(now:)``).
    public var overloadedSince: Int64?
    /// The sensors with the most shed readings since start, most first (at most 10).
    public var mostShed: [ShedSensor] = []
    /// How full each bounded queue is now (see `docs/operations.md`, "Queues and their bounds").
    public var queues = QueueOccupancy()
    /// The longest window close since start (``StreamEngine/longestCloseNanoseconds``).
    public var longestCloseNanoseconds: UInt64 = 0
    /// Memory handed back to the system (``MemoryReclaimer``).
    public var memory = MemoryReclaimer.Statistics()
    /// Delivery counters of each webhook.
    public var webhooks: [WebhookDeliverer.Statistics] = []

    public init(ingest: IngestStatistics.Snapshot, engine: EngineStatistics, lastSequence: UInt64, checkpoints: CheckpointStatus? = nil) {
        self.ingest = ingest
        self.engine = engine
        self.lastSequence = lastSequence
        self.checkpoints = checkpoints
    }
}

/// A sensor and how many of its readings were shed under overload.
public struct ShedSensor: Sendable, Equatable {
    public var sensor: String
    public var readings: Int
    public init(sensor: String, readings: Int) {
        self.sensor = sensor
        self.readings = readings
    }
}

/// The occupancy of the bounded queues between the feed sockets and the alert socket.
public struct QueueOccupancy: Sendable, Equatable {
    /// Readings of SUB feeds waiting in the ingest loop for a full engine
    /// (bound: `FeedReceiver.Options.maxWaitingWhenFull`).
    public var ingestWaiting = 0
    /// Batches queued in the engine's partitions (bound: `StreamEngine.defaultMaxBatchesInFlight`).
    public var engineBatches = 0
    /// Batches of engine output waiting for the alert sink stage (journal, then the alert
    /// socket and other sinks; bound: ``AlertDispatcher/maxBatchesQueued``).
    public var alertSinkBatches = 0
    /// Connected live-feed (SSE) clients, each with at most ``OperationsDesk/updatesBuffered`` updates buffered.
    public var liveFeedClients = 0
    public init() {}
}

/// What a durable run's checkpoints look like now.
public struct CheckpointStatus: Sendable, Equatable {
    /// Checkpoints written since start, and those that could not be.
    public var written: Int
    public var failures: Int
    /// When the newest was taken (wall clock, Unix ms), its size, and how long writing it took.
    public var lastTakenAt: Int64?
    public var lastBytes: Int?
    public var lastWriteSeconds: Double?

    public init(written: Int, failures: Int, lastTakenAt: Int64? = nil, lastBytes: Int? = nil, lastWriteSeconds: Double? = nil) {
        self.written = written
        self.failures = failures
        self.lastTakenAt = lastTakenAt
        self.lastBytes = lastBytes
        self.lastWriteSeconds = lastWriteSeconds
    }
}
