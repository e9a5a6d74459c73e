import CityBrainCore
import Foundation
import Logging
import Synchronization

/// An engine started from the newest usable checkpoint, or fresh when there is none.
public struct RecoveredEngine: Sendable {
    public let engine: StreamEngine
    /// The checkpoint restored.
    public let checkpoint: Checkpoint?
    private let forward: OutputForward

    /// Where the engine's output goes; set before the first event is submitted.
    /// Output produced before (the resolves of a reload over the restored pipeline) is handed
    /// over first, in order.
    public func connect(_ handler: @escaping StreamEngine.OutputHandler) { forward.connect(handler) }

    /// Starts an engine for `pipeline`: restored from the newest checkpoint in `store` that reads
    /// back and fits (older ones are tried when a newer one is torn or corrupt, each refusal
    /// logged), else fresh. The checkpoint's own pipeline is rebuilt from the files it holds and
    /// the current one reloaded over it, like a hot reload: unchanged rules keep their state,
    /// changed and new ones start fresh, removed ones resolve their alerts. Throws when
    /// checkpoints exist and none can be used, rather than silently starting empty.
    /// - Parameters:
    ///   - maxBatchesInFlight: batches queued in the engine before `submit` blocks.
    ///   - ownership: a shard's keys under its current plan: a restored engine gives up the
    ///     others (``StreamEngine/release(keysNotOwnedBy:)``), which another shard watches since
    ///     the plan changed, instead of reporting them silent.
    public static func start(
        store: CheckpointStore?, pipeline: Pipeline, partitions: Int, maxBatchesInFlight: Int = StreamEngine.defaultMaxBatchesInFlight,
        emitScores: Bool, ownership: KeyOwnership? = nil, logger: Logger
    ) throws -> RecoveredEngine {
        let forward = OutputForward()
        let output: StreamEngine.OutputHandler = { output in forward.handle(output) }
        guard let store else {
            return RecoveredEngine(engine: StreamEngine(pipeline: pipeline, partitions: partitions, maxBatchesInFlight: maxBatchesInFlight,
                                                                 emitScores: emitScores, output: output),
                                   checkpoint: nil, forward: forward)
        }
        store.removeTemporaryFiles()
        let files = try store.files()
        var refusals: [String] = []
        for url in files.reversed() {
            do {
                let checkpoint = try CheckpointFile.read(url)
                let saved = checkpoint.pipeline.isEmpty ? pipeline : try PipelineLoader.load(checkpoint.pipeline)
                let engine = try StreamEngine(restoring: checkpoint.engine, pipeline: saved, maxBatchesInFlight: maxBatchesInFlight,
                                              emitScores: emitScores, output: output)
                if engine.partitionCount != partitions {
                    logger.warning("the checkpoint was taken with \(engine.partitionCount) partition(s); running with those, not \(partitions)")
                }
                var changes = ""
                if saved.rules != pipeline.rules || saved.outputs != pipeline.outputs || saved.correlations != pipeline.correlations
                    || saved.watermark != pipeline.watermark || saved.departments != pipeline.departments || saved.keyTTL != pipeline.keyTTL
                    || saved.defaultStorm != pipeline.defaultStorm || saved.measurements != pipeline.measurements {
                    changes = "; pipeline changed since: \(engine.reload(pipeline))"
                }
                logger.info("""
                    restored \(url.lastPathComponent): input \(checkpoint.input), alert seq \(checkpoint.lastSequence), \
                    \(checkpoint.engine.statistics.keys) key(s), \(checkpoint.engine.statistics.openAlerts) open alert(s)\(changes)
                    """)
                if let ownership { release(engine, ownership, logger: logger) }
                return RecoveredEngine(engine: engine, checkpoint: checkpoint, forward: forward)
            } catch {
                logger.error("checkpoint \(url.lastPathComponent) not used: \(error); trying an older one")
                refusals.append("\(url.lastPathComponent): \(error)")
            }
        }
        guard files.isEmpty else {
            throw RecoveryError(message: """
                no usable checkpoint in \(store.directory.path) (\(refusals.joined(separator: "; "))); \
                move the directory away to start without state
                """)
        }
        return RecoveredEngine(engine: StreamEngine(pipeline: pipeline, partitions: partitions, maxBatchesInFlight: maxBatchesInFlight,
                                                                 emitScores: emitScores, output: output),
                               checkpoint: nil, forward: forward)
    }
}

extension RecoveredEngine {
    /// Gives up the restored keys this engine no longer owns, and says how many.
    private static func release(_ engine: StreamEngine, _ ownership: KeyOwnership, logger: Logger) {
        engine.drain()
        let before = engine.statistics
        engine.release(keysNotOwnedBy: ownership)
        engine.drain()
        let after = engine.statistics
        guard after.keys < before.keys else { return }
        logger.notice("""
            released \(before.keys - after.keys) key(s) now watched by other shards (the shard plan changed); \
            \(before.openAlerts - after.openAlerts) of their alert(s) resolved here
            """)
    }
}

/// Why a durable run cannot start.
public struct RecoveryError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The engine's output handler, set after the engine exists (the dispatcher depends on which
/// checkpoint was restored); output before that is kept and handed over first.
final class OutputForward: Sendable {
    /// The handler is boxed: see ``ClosureBox`` for why a closure is not kept in a `Mutex` as it is.
    private let state = Mutex<(target: ClosureBox<StreamEngine.OutputHandler>?, held: [EngineOutput])>((nil, []))

    /// Called by the engine's ordered merge, one output at a time, in order.
    func handle(_ output: EngineOutput) {
        state.withLock { state in
            if let target = state.target { target.function(output) } else { state.held.append(output) }
        }
    }

    func connect(_ handler: @escaping StreamEngine.OutputHandler) {
        state.withLock { state in
            for output in state.held { handler(output) }
            state.held = []
            state.target = ClosureBox(handler)
        }
    }
}
