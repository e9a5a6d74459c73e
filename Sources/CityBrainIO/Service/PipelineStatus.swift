import CityBrainCore

/// A point-in-time view of a pipeline's counters.
public struct PipelineStatus: Sendable, Equatable {
    public var ingest: IngestStatistics.Snapshot
    public var engine: EngineStatistics
    public var lastSequence: UInt64

    public init(ingest: IngestStatistics.Snapshot, engine: EngineStatistics, lastSequence: UInt64) {
        self.ingest = ingest
        self.engine = engine
        self.lastSequence = lastSequence
    }
}
