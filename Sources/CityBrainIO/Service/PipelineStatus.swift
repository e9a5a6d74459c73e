import CityBrainCore

/// A point-in-time view of a pipeline's counters.
public struct PipelineStatus: Sendable, Equatable {
    public var ingest: IngestStatistics.Snapshot
    public var engine: EngineStatistics
    public var lastSequence: UInt64
    /// Checkpoints, when the run keeps them.
    public var checkpoints: CheckpointStatus?

    public init(ingest: IngestStatistics.Snapshot, engine: EngineStatistics, lastSequence: UInt64, checkpoints: CheckpointStatus? = nil) {
        self.ingest = ingest
        self.engine = engine
        self.lastSequence = lastSequence
        self.checkpoints = checkpoints
    }
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
