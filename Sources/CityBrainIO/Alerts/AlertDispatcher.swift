import CityBrainCore
import Dispatch
import Foundation
import Synchronization

/// The alert sink stage: numbers each alert gap-free in emission order, stamps the wall-clock
/// `emitted_at` (unless deterministic), journals it, and hands every batch of records to each
/// sink in order.
///
/// Install ``handle(_:)`` as the engine's output handler. The stage has a serial queue of its
/// own: the engine's output is queued there (at most ``maxBatchesQueued`` batches; beyond that
/// ``handle(_:)`` blocks, which holds the engine back and, through its batches in flight, the
/// ingest loop), so the journal's fsync and the sinks' writes never run on a partition's thread.
/// Operators' records (``publish(_:)``) go through the same queue, in one order with the
/// engine's. No lock is held while the journal syncs: readers of ``lastSequence`` (heartbeats,
/// the status page) never wait for a disk.
public final class AlertDispatcher: Sendable {
    /// Batches of engine output queued for the stage before ``handle(_:)`` blocks.
    public static let maxBatchesQueued = 64
    private let stage = DispatchQueue(label: "citybrain.alert-sink")
    private let room = DispatchSemaphore(value: AlertDispatcher.maxBatchesQueued)
    private let queued = Atomic<Int>(0)
    private let sinks: [any OutputSink]
    /// Whether an alert's JSON is needed beyond the sinks' own encoding (the journal, or a sink
    /// that writes JSON): then it is encoded once per alert, in ``dispatch(_:)``.
    private let encodesAlerts: Bool
    private let deterministic: Bool
    private let clock: any WallClock
    private let sequencer: Mutex<AlertSequencer>
    private let delivered: Atomic<UInt64>
    private let journal: AlertJournal?
    private let onJournalFailure: @Sendable (any Error) -> Void
    /// After a restart from a checkpoint: the journal's alerts numbered after the checkpoint,
    /// which the restored engine produces again while it catches up (see ``init(sinks:deterministic:journal:replaying:numberingAfter:clock:onJournalFailure:)``).
    private let replayed: Mutex<ReplayedAlerts>
    private let onCheckpoint: Mutex<ClosureBox<@Sendable (EngineSnapshot, UInt64) -> Void>?> = Mutex(nil)

    /// - Parameters:
    ///   - deterministic: leave `emitted_at` out, so output depends on input only.
    ///   - journal: when set, numbering continues after its last alert, alerts carry its epoch,
    ///     and every batch is journaled (and synced) before any sink sees it.
    ///   - replaying: after a restart from a checkpoint, the journal's alerts numbered after it
    ///     (``AlertJournal/alerts(after:limit:)`` of the checkpoint's sequence number): the
    ///     restored engine produces them again while it catches up, and each one that comes again
    ///     (same id, state, severity and time) is dropped instead of being numbered, journaled and
    ///     published a second time. Exactly once across a crash.
    ///   - numberingAfter: the last sequence number already handed out (a restored checkpoint's),
    ///     when the journal does not say a later one.
    ///   - clock: where `emitted_at` comes from.
    public init(sinks: [any OutputSink], deterministic: Bool, journal: AlertJournal? = nil, replaying: [Alert] = [],
                numberingAfter: UInt64 = 0, clock: any WallClock = SystemClock(),
                onJournalFailure: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.sinks = sinks
        self.clock = clock
        self.encodesAlerts = journal != nil || sinks.contains { $0 is any EncodedRecordSink }
        self.deterministic = deterministic
        self.journal = journal
        self.onJournalFailure = onJournalFailure
        let start = max(journal?.lastSequence ?? 0, numberingAfter)
        self.sequencer = Mutex(AlertSequencer(startingAfter: start))
        self.delivered = Atomic(start)
        self.replayed = Mutex(ReplayedAlerts(replaying))
    }

    /// Journaled alerts still expected from the engine's catch-up (0 once it has caught up).
    public var pendingReplay: Int { replayed.withLock { $0.count } }

    /// Hands each checkpoint snapshot of the engine, with the sequence number it stands after
    /// (``checkpointSequence``), to `body` (on the stage's queue, right after the records before
    /// it were delivered).
    public func onCheckpoint(_ body: @escaping @Sendable (EngineSnapshot, UInt64) -> Void) {
        onCheckpoint.withLock { $0 = ClosureBox(body) }
    }

    /// The journal's epoch, if there is a journal.
    public var epoch: Int64? { journal?.epoch }

    /// The last sequence number handed out, journaled and delivered to every sink (a consumer
    /// told it, by a heartbeat, can always fetch it from the journal).
    public var lastSequence: UInt64 { delivered.load(ordering: .acquiring) }

    /// The sequence number a checkpoint of the engine's state now stands after: the last one
    /// handed out, or, while a restored engine is still catching up, the one before the oldest
    /// journaled alert it has yet to produce again. A restart from that checkpoint expects those
    /// alerts once more (``AlertJournal/alerts(after:limit:)``); standing after the last number
    /// instead would publish them a second time.
    public var checkpointSequence: UInt64 {
        let last = lastSequence
        guard let oldest = replayed.withLock({ $0.oldestSequence }), oldest > 0 else { return last }
        return min(last, oldest - 1)
    }

    /// Batches of engine output queued and not yet dispatched (for `/metrics`).
    public var batchesQueued: Int { queued.load(ordering: .relaxed) }

    /// Queues one batch of the engine's output for the stage; blocks while ``maxBatchesQueued``
    /// batches wait. Records are numbered, journaled and delivered there, then a checkpoint
    /// snapshot the batch carries is handed on (``onCheckpoint(_:)``).
    public func handle(_ output: EngineOutput) {
        guard !output.records.isEmpty || output.checkpoint != nil else { return }
        room.wait()
        queued.add(1, ordering: .relaxed)
        stage.async { [self] in
            defer {
                queued.subtract(1, ordering: .relaxed)
                room.signal()
            }
            if !output.batch.isEmpty { dispatch(output.batch) }
            if let snapshot = output.checkpoint, let body = onCheckpoint.withLock({ $0 }) { body.function(snapshot, checkpointSequence) }
        }
    }

    /// Publishes records that did not come from the engine (operators' actions, escalations):
    /// numbered, journaled and delivered like the engine's, after the engine output queued
    /// before them. Returns once they are journaled and delivered. Not to be called from a sink.
    public func publish(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        stage.sync { dispatch(.untimed(alerts.map(OutputRecord.alert))) }
    }

    /// Waits until everything queued so far has been journaled and delivered.
    public func drain() {
        stage.sync {}
    }

    /// Runs on the stage's queue, so records reach every sink in sequence order whichever
    /// thread handed them over.
    private func dispatch(_ input: OutputBatch) {
        var batch = input
        replayed.withLock { replayed in
            guard !replayed.isEmpty else { return }
            var kept: [Int] = []
            for (index, record) in batch.records.enumerated() {
                if case .alert(let alert) = record, replayed.remove(alert) { continue }
                kept.append(index)
            }
            if kept.count < batch.count { batch = batch.selecting(kept) }
        }
        guard !batch.isEmpty else { return }
        let now = deterministic ? nil : clock.epochMilliseconds
        sequencer.withLock { sequencer in
            batch.updateRecords { record in
                guard case .alert(var alert) = record else { return }
                sequencer.stamp(&alert)
                alert.emittedAt = now
                alert.epoch = journal?.epoch
                record = .alert(alert)
            }
        }
        let records = batch.records
        // Each alert's JSON is encoded once, for the journal and every sink that writes JSON.
        let alertJSON: [String?] = encodesAlerts ? records.map { $0.alert?.json } : []
        if let journal {
            // Durable before published: a consumer can always fetch what it saw announced.
            let alerts = records.compactMap(\.alert)
            do { try journal.append(alerts, json: alertJSON.compactMap { $0 }) } catch { onJournalFailure(error) }
        }
        for sink in sinks {
            if let encoded = sink as? any EncodedRecordSink {
                encoded.deliver(batch, alertJSON: alertJSON)
            } else {
                sink.deliver(batch)
            }
        }
        delivered.store(sequencer.withLock { $0.last }, ordering: .releasing)
    }

    /// Delivers what is queued, then closes every sink, and the journal.
    public func close() {
        stage.sync {
            for sink in sinks { sink.close() }
            journal?.close()
        }
    }
}
