import CityBrainCore
import Logging

/// Runs a pipeline over a bounded input file as fast as possible, through the same decoder,
/// engine and alert dispatcher as live input. At the end of the input the watermark moves to
/// the end of time, so every window closes and is evaluated (like a bounded source in Flink).
public enum OfflineRun {
    /// What a run saw and produced.
    public struct Summary: Sendable {
        public var ingest: IngestStatistics.Snapshot
        public var engine: EngineStatistics
    }

    public static func run(
        pipeline: Pipeline, input: LineReader, sinks: [any OutputSink], partitions: Int = ProcessInfoCores.active,
        deterministic: Bool, logger: Logger
    ) throws -> Summary {
        let dispatcher = AlertDispatcher(sinks: sinks, deterministic: deterministic)
        let engine = StreamEngine(pipeline: pipeline, partitions: partitions) { dispatcher.handle($0) }
        let statistics = IngestStatistics()
        defer { dispatcher.close() }
        try JSONLinesInput.read(input, statistics: statistics, reporter: RejectionReporter(logger: logger)) { engine.submit($0) }
        engine.finish()
        return Summary(ingest: statistics.snapshot, engine: engine.statistics)
    }
}
