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

    /// A bounded input: JSON lines, or a recording (optionally limited to a receive-time range).
    public enum Input {
        case jsonLines(LineReader)
        case recording(RecordingReader, from: Int64?, to: Int64?)

        /// A recording if `path` is one, JSON lines otherwise (`-` is standard input).
        public static func open(_ path: String, from: Int64? = nil, to: Int64? = nil) throws -> Input {
            if path != "-", RecordingReader.isRecording(path) { return .recording(try RecordingReader(path: path), from: from, to: to) }
            return .jsonLines(try LineReader(path: path))
        }
    }

    public static func run(
        pipeline: Pipeline, input: Input, sinks: [any OutputSink], partitions: Int = ProcessInfoCores.active,
        deterministic: Bool, deadLetters: DeadLetterWriter? = nil, emitScores: Bool = false, logger: Logger
    ) throws -> Summary {
        let dispatcher = AlertDispatcher(sinks: sinks, deterministic: deterministic)
        let engine = StreamEngine(pipeline: pipeline, partitions: partitions, emitScores: emitScores) { dispatcher.handle($0) }
        let statistics = IngestStatistics()
        let reporter = RejectionReporter(logger: logger, deadLetters: deadLetters)
        defer { dispatcher.close() }
        switch input {
        case .jsonLines(let reader):
            try JSONLinesInput.read(reader, statistics: statistics, reporter: reporter) { engine.submit($0) }
        case .recording(let reader, let from, let to):
            let read = try RecordingInput.read(reader, from: from, to: to, statistics: statistics, reporter: reporter) { engine.submit($0) }
            if read.tornBytes > 0 { logger.warning("the recording ends in a torn block of \(read.tornBytes) bytes (an interrupted write); it was skipped") }
        }
        engine.finish()
        return Summary(ingest: statistics.snapshot, engine: engine.statistics)
    }
}
