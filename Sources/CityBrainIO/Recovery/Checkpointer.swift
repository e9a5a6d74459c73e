import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Takes checkpoints of a running engine at a steady pace and writes them in the background.
///
/// The ingest thread calls ``submitted(through:eventTime:)`` after each batch it hands to the
/// engine; when one is due, a barrier is sent (``StreamEngine/checkpoint()``). The snapshot comes
/// back through the alert dispatcher in order with the output (``capture(_:lastSequence:)``),
/// so it sits exactly between the alerts numbered before and after it. It is then written on a
/// background queue: the input log and journal are synced first (the checkpoint must never be
/// ahead of what they hold), then the file, then input-log segments no checkpoint needs are
/// deleted. A snapshot that arrives while the previous one is still being written waits; a third
/// replaces the waiting one (the newest state is what matters).
///
/// **Aligned to close bursts.** A checkpoint that falls due is sent right after the next batch
/// whose watermark step closes windows of every key (``CloseSchedule``), not before it: until it
/// is written, the snapshot shares the partitions' state, and a burst that changes every key then
/// copies all of it (half a second at a million sensors). Right after a burst, the next one is a
/// whole slide away. It waits at most the longest slide of event time (so event-time
/// checkpoints stay the same on every replay), or, for wall-time intervals, also at most one more
/// interval of wall time (a feed whose event time stands still). Checkpoints are therefore never
/// closer than the bursts: with one-minute windows, `--checkpoint-every 30s` takes one a minute.
public final class Checkpointer: Sendable {
    /// When checkpoints are taken.
    public enum Interval: Sendable, Equatable {
        /// Every so many milliseconds of wall-clock time.
        case wall(Int64)
        /// Every so many milliseconds of event time (the input's own clock: the same checkpoints
        /// on every replay of a recording).
        case event(Int64)
    }

    /// What the last written checkpoint cost.
    public struct Written: Sendable {
        public var url: URL
        public var bytes: Int
        /// Time the partitions spent encoding (event processing paused), ns.
        public var pauseNanoseconds: UInt64
        /// Time the background write took (encode, sync, rename), ns.
        public var writeNanoseconds: UInt64
        public var input: InputPosition
        /// When the checkpoint was taken (wall clock, Unix ms).
        public var takenAt: Int64
    }

    public let store: CheckpointStore
    private let clock: any WallClock
    public let interval: Interval
    private let pipeline: Mutex<[PipelineSource]>
    private let logger: Logger
    private let inputLog: InputLog?
    private let journal: AlertJournal?
    private let writes = DispatchGroup()
    private let state = Mutex(State())

    private struct State {
        /// Barriers sent and not yet captured, oldest first: the input position and the pipeline
        /// files in force at each (a reload may come between a barrier and its capture).
        var barriers: [(input: InputPosition, pipeline: [PipelineSource])] = []
        var lastTaken: Int64?
        /// A checkpoint that fell due and waits for the next close burst to pass.
        var due: Due?
        var writing = false
        var waiting: Checkpoint?
        var written: Written?
        var count = 0
        var failures = 0
    }

    /// A checkpoint due and not yet sent: its interval time, and the wall and event time it fell due.
    private struct Due {
        var time: Int64
        var wall: Int64
        var eventTime: Int64?

        /// Whether to send it after a batch of event time `eventTime`, submitted at `wall`.
        func ready(schedule: CloseSchedule, closed: Bool, interval: Interval, wall wallNow: Int64, eventTime eventNow: Int64?) -> Bool {
            guard let longest = schedule.longestPeriod, !closed else { return true }
            if let start = eventTime, let eventNow, eventNow - start >= longest { return true }
            if case .wall(let every) = interval, wallNow - wall >= every { return true }
            return false
        }
    }

    public init(store: CheckpointStore, interval: Interval, pipeline: [PipelineSource], inputLog: InputLog? = nil,
                journal: AlertJournal? = nil, clock: any WallClock = SystemClock(), logger: Logger) {
        self.clock = clock
        self.store = store
        self.interval = interval
        self.pipeline = Mutex(pipeline)
        self.inputLog = inputLog
        self.journal = journal
        self.logger = logger
    }

    /// The pipeline files in force from now on (after a reload). Call on the ingest thread,
    /// right after the engine's reload, like ``take(_:at:time:)``.
    public func pipelineChanged(_ sources: [PipelineSource]) { pipeline.withLock { $0 = sources } }

    /// Called on the ingest thread after each batch handed to `engine`: `position` is the input
    /// read so far, `eventTime` the batch's newest event time. Sends a barrier when one is due
    /// and the batch was a close burst (``StreamEngine/closedWindows``), or when it has waited
    /// for one long enough (see the type's documentation).
    public func submitted(to engine: StreamEngine, through position: InputPosition, eventTime: Int64?) {
        let wall = Int64(clock.uptimeNanoseconds / 1_000_000)
        let schedule = engine.closeSchedule
        let time: Int64? = state.withLock { state in
            if state.due == nil {
                guard let time = dueTime(&state, wall: wall, eventTime: eventTime) else { return nil }
                state.due = Due(time: time, wall: wall, eventTime: eventTime)
            }
            guard let due = state.due, due.ready(schedule: schedule, closed: engine.closedWindows, interval: interval, wall: wall,
                                                  eventTime: eventTime) else { return nil }
            state.due = nil
            return due.time
        }
        guard let time else { return }
        take(engine, at: position, time: time)
    }

    /// The interval's time of a checkpoint that falls due with this batch, if one does.
    private func dueTime(_ state: inout State, wall: Int64, eventTime: Int64?) -> Int64? {
        switch interval {
        case .wall(let every):
            guard let last = state.lastTaken else { state.lastTaken = wall; return nil }
            return wall - last >= every ? wall : nil
        case .event(let every):
            guard let eventTime else { return nil }
            guard let last = state.lastTaken else { state.lastTaken = eventTime - eventTime % every; return nil }
            return eventTime - last >= every ? eventTime - eventTime % every : nil
        }
    }

    /// Sends a barrier now (e.g. when stopping), whatever the interval.
    public func take(_ engine: StreamEngine, at position: InputPosition, time: Int64? = nil) {
        let sources = pipeline.withLock { $0 }
        state.withLock { state in
            state.barriers.append((position, sources))
            if let time { state.lastTaken = time }
            state.due = nil
        }
        engine.checkpoint()
    }

    /// Called with each snapshot (in order, on the alert sink stage, after the records
    /// before it were numbered): queues it for writing.
    public func capture(_ snapshot: EngineSnapshot, lastSequence: UInt64) {
        let checkpoint: Checkpoint? = state.withLock { state in
            guard !state.barriers.isEmpty else { return nil }
            let barrier = state.barriers.removeFirst()
            let checkpoint = Checkpoint(createdAt: clock.epochMilliseconds, input: barrier.input, lastSequence: lastSequence,
                                        pipeline: barrier.pipeline, engine: snapshot)
            guard !state.writing else {
                state.waiting = checkpoint
                return nil
            }
            state.writing = true
            return checkpoint
        }
        if let checkpoint { write(checkpoint) }
    }

    private func write(_ checkpoint: Checkpoint) {
        writes.enter()
        // One write at a time (the next waits in `state.waiting`), each on a thread of its own at a
        // lower priority: the engine goes first.
        BackgroundThread.start(name: "citybrain.checkpoint") { [self] in
            let start = clock.uptimeNanoseconds
            do {
                try inputLog?.sync()
                try journal?.sync()
                let (url, bytes) = try store.save(checkpoint)
                let oldest = try store.files().first.flatMap { CheckpointFile.input(of: $0) }
                if let oldest { try inputLog?.deleteSegments(before: oldest.segment) }
                let written = Written(url: url, bytes: bytes, pauseNanoseconds: checkpoint.engine.pauseNanoseconds,
                                      writeNanoseconds: clock.uptimeNanoseconds - start, input: checkpoint.input,
                                      takenAt: checkpoint.createdAt)
                state.withLock {
                    $0.written = written
                    $0.count += 1
                }
                logger.debug("checkpoint \(url.lastPathComponent): \(bytes) bytes at \(checkpoint.input), seq \(checkpoint.lastSequence), partitions paused \(checkpoint.engine.pauseNanoseconds / 1_000_000) ms, written in \(written.writeNanoseconds / 1_000_000) ms")
            } catch {
                state.withLock { $0.failures += 1 }
                logger.error("checkpoint not written: \(error)")
            }
            let next: Checkpoint? = state.withLock { state in
                defer { state.waiting = nil }
                if state.waiting == nil { state.writing = false }
                return state.waiting
            }
            if let next { write(next) }
            writes.leave()
        }
    }

    /// Waits until every captured checkpoint is written.
    public func waitForWrites() { writes.wait() }


    /// Checkpoints written.
    public var written: Int { state.withLock { $0.count } }

    /// For status displays and metrics.
    public var status: CheckpointStatus {
        state.withLock { state in
            CheckpointStatus(written: state.count, failures: state.failures, lastTakenAt: state.written?.takenAt, lastBytes: state.written?.bytes,
                             lastWriteSeconds: state.written.map { Double($0.writeNanoseconds) / 1e9 })
        }
    }

    /// Checkpoints that could not be written.
    public var failures: Int { state.withLock { $0.failures } }
}
