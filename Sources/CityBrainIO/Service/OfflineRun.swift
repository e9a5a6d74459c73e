import CityBrainCore
import Logging

/// Runs a pipeline over a bounded input file as fast as possible, through the same decoder,
/// engine and alert dispatcher as live input. At the end of the input the watermark moves to
/// the end of time, so every window closes and is evaluated (like a bounded source in Flink).
public enum OfflineRun {
    /// Batches (of 4 096 events) queued in the engine before reading waits. A file is read
    /// faster than the engine takes it, so the queue is always full: a few batches keep every
    /// partition busy, and a long queue would only hold memory.
    public static let batchesInFlight = 8

    /// What a run saw and produced.
    public struct Summary: Sendable {
        public var ingest: IngestStatistics.Snapshot
        public var engine: EngineStatistics
    }

    /// A bounded input: JSON lines, or a recording (optionally limited to a receive-time range);
    /// or a recording followed as it grows, until the follower is stopped.
    public enum Input {
        case jsonLines(LineReader)
        case recording(RecordingReader, from: Int64?, to: Int64?)
        case following(RecordingFollower)

        /// A recording if `path` is one, JSON lines otherwise (`-` is standard input).
        public static func open(_ path: String, from: Int64? = nil, to: Int64? = nil) throws -> Input {
            if path != "-", RecordingReader.isRecording(path) { return .recording(try RecordingReader(path: path), from: from, to: to) }
            return .jsonLines(try LineReader(path: path))
        }
    }

    /// - Parameters:
    ///   - journal: numbers alerts durably; with `durability`, alerts already journaled are not
    ///     published again when the run resumes from a checkpoint.
    ///   - durability: take checkpoints while reading, and resume from the newest one: the input
    ///     is read on from the checkpoint's position.
    ///   - decodingThreads: threads decoding the input (the output does not depend on it).
    ///   - shard: in a sharded city, the shard this run is: other shards' events are counted
    ///     (``IngestStatistics/Snapshot/otherShards``) and left out.
    ///   - format: the input's format (``FeedFormat``); `mapping`: SenML names and NGSI-LD models
    ///     beyond the defaults.
    public static func run(
        pipeline: Pipeline, input: Input, sinks: [any OutputSink], partitions: Int = ProcessInfoCores.active,
        deterministic: Bool, deadLetters: DeadLetterWriter? = nil, emitScores: Bool = false, decodingThreads: Int = ProcessInfoCores.active,
        journal: AlertJournal? = nil, durability: DurabilitySettings? = nil, format: FeedFormat = .auto, mapping: FeedMapping = FeedMapping(),
        shard: ShardFilter? = nil, logger: Logger
    ) throws -> Summary {
        let recovered = try RecoveredEngine.start(store: durability?.store, pipeline: pipeline, partitions: partitions, maxBatchesInFlight: batchesInFlight,
                                                  emitScores: emitScores, ownership: shard?.ownership, logger: logger)
        let engine = recovered.engine
        let replaying = try recovered.checkpoint.map { checkpoint in try journal?.alerts(after: checkpoint.lastSequence) ?? [] } ?? []
        let dispatcher = AlertDispatcher(sinks: sinks, deterministic: deterministic, journal: journal,
                                         replaying: replaying, numberingAfter: recovered.checkpoint?.lastSequence ?? 0) { error in logger.critical("alert journal write failed: \(error)") }
        recovered.connect { dispatcher.handle($0) }
        let checkpointer = durability.map {
            Checkpointer(store: $0.store, interval: $0.interval, pipeline: pipeline.sources, journal: journal, logger: logger)
        }
        if let checkpointer {
            dispatcher.onCheckpoint { checkpointer.capture($0, lastSequence: $1) }
            // A first checkpoint before any input: a crash before the next one restarts from it,
            // knowing which journaled alerts came before the run.
            if recovered.checkpoint == nil { checkpointer.take(engine, at: .start) }
        }
        let statistics = IngestStatistics()
        let reporter = RejectionReporter(logger: logger, deadLetters: deadLetters)
        defer { dispatcher.close() }
        var read = recovered.checkpoint?.input ?? .start
        let deliver: ([Event], InputPosition) -> Void = { all, position in
            read = position
            var events = all
            if let shard {
                let (kept, others) = shard.split(all)
                statistics.leftToOtherShards(others)
                events = kept
            }
            engine.submit(events)
            checkpointer?.submitted(to: engine, through: position, eventTime: events.last?.timestamp)
        }
        let start = recovered.checkpoint?.input
        let decoder = FeedDecoder(format: format, catalogue: pipeline.catalogue, mapping: mapping)
        switch input {
        case .jsonLines(let reader):
            try JSONLinesInput.read(reader, after: start ?? .start, decoder: decoder, decodingThreads: decodingThreads, statistics: statistics, reporter: reporter,
                                    deliver: deliver)
        case .recording(let reader, let from, let to):
            let read = try RecordingInput.read(reader, after: start, decoder: decoder, from: from, to: to, decodingThreads: decodingThreads, statistics: statistics,
                                               reporter: reporter, deliver: deliver)
            if read.tornBytes > 0 { logger.warning("the recording ends in a torn block of \(read.tornBytes) bytes (an interrupted write); it was skipped") }
        case .following(let follower):
            let read = try RecordingInput.follow(follower, after: start, decoder: decoder, decodingThreads: decodingThreads,
                                               statistics: statistics, reporter: reporter, deliver: deliver)
            if read.tornBytes > 0 { logger.warning("skipped \(read.tornBytes) bytes of torn blocks (writes a crash interrupted)") }
        }
        /// A checkpoint of where reading stopped, written before this returns (its snapshot
        /// reaches the checkpointer through the alert sink stage, hence both drains).
        func writeLastCheckpoint() {
            guard let checkpointer else { return }
            checkpointer.take(engine, at: read)
            engine.drain()
            dispatcher.drain()
            checkpointer.waitForWrites()
        }
        if case .following = input {
            // A followed recording has no end: stop like a live run, with the windows open and a
            // last checkpoint of where reading stopped, so a restart reads on from there.
            engine.drain()
            writeLastCheckpoint()
            return Summary(ingest: statistics.snapshot, engine: engine.statistics)
        }
        engine.finish()
        if let checkpoint = recovered.checkpoint, checkpoint.engine.finished, read > checkpoint.input {
            throw RecoveryError(message: """
                the checkpoint restored is of a run that had reached the end of its input, and the input now goes on after \
                \(checkpoint.input): those events came after every window had closed and were all counted late. To run the \
                longer input, move the checkpoint directory (and journal) away and start from the beginning
                """)
        }
        // The finished state: running the same command again reads nothing and adds nothing.
        writeLastCheckpoint()
        dispatcher.drain()
        if dispatcher.pendingReplay > 0 {
            logger.warning("\(dispatcher.pendingReplay) journaled alert(s) after the checkpoint were not produced again (the pipeline or input changed)")
        }
        return Summary(ingest: statistics.snapshot, engine: engine.statistics)
    }
}
