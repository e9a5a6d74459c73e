import Dispatch
import Synchronization

/// The streaming engine: routes events to keyed partitions, advances the event-time watermark,
/// fires windows, evaluates rules, and emits alerts, window results and late events in a
/// deterministic order.
///
/// ```swift
/// let engine = StreamEngine(pipeline: pipeline, partitions: 2) { output in
///     for alert in output.alerts { print(alert.json) }
/// }
/// engine.submit(events)
/// engine.finish()      // bounded input: close every window and wait
/// ```
///
/// **Threads.** ``submit(_:)`` and ``finish()`` are called from one producer thread (the ingest
/// loop). Each partition is a serial queue owning its keys' state. The partitions' results are
/// merged batch by batch without a thread of their own: the partition that completes the next
/// batch in order emits it (and any completed after it), calling the output handler there, one
/// batch at a time, in submission order. An event thus crosses one thread boundary in the
/// engine, from the producer to its partition; the handler should hand the output on quickly
/// (the alert sink stage queues it), since its partition waits meanwhile.
///
/// **Event time.** The router numbers every event and computes the watermark in force for it
/// (``WatermarkPolicy``), so every partition sees the same watermark at the same input position.
/// Each result records the input position that caused it, and the ordered merge sorts by that
/// position. Output therefore depends only on the input and its order, never on partitioning,
/// batch boundaries, thread timing or the wall clock.
///
/// **Routing.** Sensor-keyed windows live on the partition of `hash(sensor)`, district-keyed
/// ones on that of `hash(district)`; an event goes to both when they differ.
///
/// **Backpressure.** At most `maxBatchesInFlight` batches are queued; ``submit(_:)`` blocks
/// beyond that, which stops the ingest loop from reading its sockets.
public final class StreamEngine: @unchecked Sendable {
    public typealias OutputHandler = @Sendable (EngineOutput) -> Void
    /// Batches queued before ``submit(_:)`` blocks, unless an engine is given another bound.
    public static let defaultMaxBatchesInFlight = 64

    private let current: Mutex<Pipeline>
    private let partitions: [Partition]
    private let handler: OutputHandler
    private let inFlight: DispatchSemaphore
    private let outstanding = DispatchGroup()
    private let stats = Mutex(EngineStatistics())
    private var routesDistricts: Bool

    // Producer state: touched only by the thread calling submit/finish.
    private var tracker: WatermarkTracker
    private var nextPosition: Int64 = 0
    private var nextBatch: UInt64 = 0
    private var finished = false

    /// The ordered merge: partitions' results wait here until their batch is complete and every
    /// earlier one emitted.
    private let merge: Mutex<MergeState>
    /// Emitter state: touched only by the one thread emitting (``MergeState/emitting``).
    private var correlator: AlertCorrelator

    private struct MergeState {
        var pending: [UInt64: PendingBatch] = [:]
        var nextToEmit: UInt64 = 0
        /// Each partition's gauges after its latest batch.
        var gauges: [PartitionGauges]
        /// Whether a thread is emitting batches now; others only leave their results.
        var emitting = false
    }

    private struct PendingBatch {
        var remaining: Int
        var watermark: Int64
        /// The input position after the batch's last event.
        var endPosition: Int64
        /// Events taken, late events and readings left out of range, summed over the partitions.
        var events = 0
        var lateEvents = 0
        var outOfRangeReadings = 0
        /// Each partition's records, already in output order (``OrderedRecord/precedes``),
        /// indexed by partition: merged in one pass when the batch is emitted.
        var runs: [[OrderedRecord]] = []
        /// Set by a reload that changed correlations: installed when this batch is emitted, so
        /// earlier batches still meet the old ones.
        var correlator: AlertCorrelator?
        /// For a checkpoint barrier: the router's state at the barrier, and whether the input had ended.
        var router: [UInt8]?
        var finished = false
        var snapshots: [PartitionState?] = []
        var snapshotNanoseconds: UInt64 = 0
    }

    /// Creates an engine.
    /// - Parameters:
    ///   - partitions: serial partitions (default: one per active core).
    ///   - maxBatchesInFlight: batches queued before ``submit(_:)`` blocks.
    ///   - emitScores: also emit every reading's score of the anomaly rules (``OutputRecord/score(_:)``).
    ///   - output: called for every batch, in order, one at a time, on the queue of the partition that completed it (see **Threads**).
    public init(
        pipeline: Pipeline,
        partitions: Int = ProcessInfoCores.active,
        maxBatchesInFlight: Int = StreamEngine.defaultMaxBatchesInFlight,
        emitScores: Bool = false,
        output: @escaping OutputHandler
    ) {
        precondition(partitions > 0, "an engine needs at least one partition")
        self.current = Mutex(pipeline)
        self.partitions = (0..<partitions).map { Partition(index: $0, pipeline: pipeline, emitScores: emitScores) }
        self.handler = output
        self.inFlight = DispatchSemaphore(value: maxBatchesInFlight)
        self.tracker = WatermarkTracker(pipeline.watermark, kinds: pipeline.knownKinds)
        self.routesDistricts = pipeline.aggregations.contains { $0.keyBy == .district }
        self.closeSchedule = CloseSchedule(pipeline)
        self.merge = Mutex(MergeState(gauges: Array(repeating: PartitionGauges(), count: partitions)))
        self.correlator = AlertCorrelator(pipeline)
    }

    /// Creates an engine in the state of `snapshot`, taken under `pipeline` (to run a different
    /// one, ``reload(_:)`` it next: unchanged rules keep what they restored). The partition count
    /// is the snapshot's, since each key's state lives on the partition of its hash.
    public convenience init(
        restoring snapshot: EngineSnapshot,
        pipeline: Pipeline,
        maxBatchesInFlight: Int = StreamEngine.defaultMaxBatchesInFlight,
        emitScores: Bool = false,
        output: @escaping OutputHandler
    ) throws(CheckpointError) {
        guard snapshot.partitionCount > 0 else { throw .invalid("a snapshot without partitions", offset: 0) }
        self.init(pipeline: pipeline, partitions: snapshot.partitionCount, maxBatchesInFlight: maxBatchesInFlight,
                  emitScores: emitScores, output: output)
        for (partition, part) in zip(partitions, snapshot.parts) { try partition.restore(part.bytes) }
        var router = CheckpointReader(snapshot.router)
        try tracker.restore(from: &router)
        var collected = CheckpointReader(snapshot.collector)
        try correlator.restore(from: &collected)
        nextPosition = snapshot.position
        stats.withLock { $0 = snapshot.statistics }
    }

    /// Takes a checkpoint at the current input position: a barrier travels through every
    /// partition queue, each encodes its state there, and the ordered merge hands the whole
    /// ``EngineSnapshot`` to the output handler (``EngineOutput/checkpoint``) after the output of
    /// every event submitted before this call and before any later one. Ingest is not stopped:
    /// only the partitions pause while they capture it. Call from the producer thread; also
    /// allowed after ``finish()`` (the state of a finished input, which restores as finished).
    public func checkpoint() {
        var router = CheckpointWriter()
        tracker.write(to: &router)
        var batches = Array(repeating: PartitionBatch(), count: partitions.count)
        for index in batches.indices { batches[index].checkpoint = true }
        dispatch(batches, clock: TriggerClock(firstIndex: nextPosition, watermarks: []), endWatermark: tracker.watermark,
                 router: router.bytes, finished: finished)
    }

    /// The pipeline in force.
    public var pipeline: Pipeline { current.withLock { $0 } }

    /// Switches to a new pipeline between two batches, at a precise point of the input: every
    /// event submitted before is processed by the old rules, every event after by the new ones.
    /// Rules, outputs and correlations whose definition did not change keep their windows and
    /// alert state. Call from the producer thread, like ``submit(_:)``.
    @discardableResult
    public func reload(_ pipeline: Pipeline) -> ReloadSummary {
        let summary = ReloadSummary(from: self.pipeline, to: pipeline)
        guard !finished else { return summary }
        let old = self.pipeline
        current.withLock { $0 = pipeline }
        if pipeline.watermark != old.watermark || pipeline.knownKinds != old.knownKinds {
            tracker = WatermarkTracker(pipeline.watermark, kinds: pipeline.knownKinds, floor: tracker.watermark)
        }
        routesDistricts = pipeline.aggregations.contains { $0.keyBy == .district }
        closeSchedule = CloseSchedule(pipeline)
        var batches = Array(repeating: PartitionBatch(), count: partitions.count)
        for index in batches.indices { batches[index].reconfigure = pipeline }
        let keepCorrelations = old.correlations == pipeline.correlations && old.departments == pipeline.departments
            && old.defaultStorm == pipeline.defaultStorm && old.openAlertCaps == pipeline.openAlertCaps
        dispatch(batches, clock: TriggerClock(firstIndex: nextPosition, watermarks: []), endWatermark: tracker.watermark,
                 correlator: keepCorrelations ? nil : AlertCorrelator(pipeline))
        return summary
    }

    /// Gives up every key `ownership` does not keep, between two batches: a shard whose plan
    /// changed (at a restart from its checkpoint) stops watching the sensors and districts another
    /// shard now owns. Their open alerts are resolved with ``KeyOwnership/reason`` (emitted like
    /// any alert), their windows dropped unfired, their silence deadlines forgotten, so none of
    /// them is later reported silent. Call from the producer thread, like ``submit(_:)``.
    public func release(keysNotOwnedBy ownership: KeyOwnership) {
        guard !finished else { return }
        var batches = Array(repeating: PartitionBatch(), count: partitions.count)
        for index in batches.indices { batches[index].release = ownership }
        dispatch(batches, clock: TriggerClock(firstIndex: nextPosition, watermarks: []), endWatermark: tracker.watermark)
    }

    /// When the pipeline in force closes every key's windows at once (producer thread).
    public private(set) var closeSchedule: CloseSchedule

    /// Whether the last batch submitted moved the watermark past a time in ``closeSchedule``:
    /// its processing closes (or drops) a window of every key of some aggregation. A checkpoint
    /// barrier sent right after it is the furthest from the next such burst. Producer thread only.
    public private(set) var closedWindows = false

    /// Number of partitions.
    public var partitionCount: Int { partitions.count }

    /// A snapshot of the running totals (safe from any thread).
    public var statistics: EngineStatistics { stats.withLock { $0 } }

    /// The largest close burst so far, in nanoseconds: the time one partition spent closing
    /// windows (aggregates finished, rules evaluated) within one batch, on the slowest partition
    /// (partitions close in parallel). A batch whose events cross several window ends closes
    /// each in turn before the partition takes its next batch, so the burst is their sum: the
    /// time closing kept the partition from new events.
    public var longestCloseNanoseconds: UInt64 { longestClose.withLock { $0 } }
    private let longestClose = Mutex<UInt64>(0)

    /// Routes a batch of events to the partitions. Blocks while too many batches are queued.
    /// Events after ``finish()`` are ignored.
    public func submit(_ events: [Event]) {
        guard !finished, !events.isEmpty else { return }
        inFlight.wait()
        route(events)
    }

    /// Like ``submit(_:)`` if the engine has room for another batch right now; returns `false`
    /// at once, having taken nothing, when `maxBatchesInFlight` batches are queued. A producer
    /// that must not block (a SUB feed that would otherwise lose frames in libzmq unseen) uses
    /// it to decide what to shed itself.
    public func trySubmit(_ events: [Event]) -> Bool {
        guard !finished, !events.isEmpty else { return true }
        guard inFlight.wait(timeout: .now()) == .success else { return false }
        route(events)
        return true
    }

    /// Routes a batch whose in-flight slot the caller holds.
    private func route(_ events: [Event]) {
        let count = partitions.count
        var batches = Array(repeating: PartitionBatch(), count: count)
        var watermarks: [Int64] = []
        watermarks.reserveCapacity(events.count)
        let first = nextPosition
        let before = tracker.watermark
        // Read in place (the buffer's subscript lends each event); the partitions get indices.
        events.withUnsafeBufferPointer { events in
            for index in events.indices {
                let watermark = tracker.observe(events[index].timestamp, kind: events[index].kind)
                watermarks.append(watermark)
                let position = nextPosition
                nextPosition += 1
                let sensorHash = StableHash.fnv1a(events[index].sensor)
                let home = StableHash.partition(ofHash: sensorHash, count: count)
                if routesDistricts, let district = events[index].district {
                    let districtHome = StableHash.partition(of: district, count: count)
                    if districtHome != home {
                        batches[home].append(member: index, watermark: watermark, position: position, roles: PartitionBatch.sensorRole,
                                             sensorHash: sensorHash)
                        batches[districtHome].append(member: index, watermark: watermark, position: position,
                                                     roles: PartitionBatch.districtRole, sensorHash: sensorHash)
                        continue
                    }
                }
                batches[home].append(member: index, watermark: watermark, position: position,
                                     roles: PartitionBatch.sensorRole | PartitionBatch.districtRole, sensorHash: sensorHash)
            }
        }
        for partition in batches.indices where !batches[partition].members.isEmpty { batches[partition].source = events }
        closedWindows = closeSchedule.crossed(from: before, to: tracker.watermark)
        dispatch(batches, clock: TriggerClock(firstIndex: first, watermarks: watermarks), endWatermark: tracker.watermark, slotHeld: true)
    }

    /// Ends a bounded input: the watermark moves to the end of time, every open window closes
    /// (and every allowed lateness runs out), and the call returns once all output has been
    /// handed over.
    public func finish() {
        guard !finished else { return }
        finished = true
        dispatch(Array(repeating: PartitionBatch(), count: partitions.count),
                 clock: TriggerClock(firstIndex: nextPosition, watermarks: []), endWatermark: .max)
        drain()
    }

    /// Waits until every submitted batch has been emitted, then takes the state estimate
    /// afresh (batches report one at most ``Partition/estimateInterval`` old), so
    /// ``statistics`` are exact after a drain.
    public func drain() {
        outstanding.wait()
        let estimates = partitions.map { partition in partition.queue.sync { partition.estimateStateBytes() } }
        let total = merge.withLock { state -> PartitionGauges in
            for (index, bytes) in estimates.enumerated() { state.gauges[index].stateBytes = bytes }
            return PartitionGauges.total(state.gauges)
        }
        stats.withLock { $0.stateBytes = total.stateBytes }
    }

    private func dispatch(_ batches: [PartitionBatch], clock: TriggerClock, endWatermark: Int64, correlator replacement: AlertCorrelator? = nil,
                          router: [UInt8]? = nil, finished: Bool = false, slotHeld: Bool = false) {
        if !slotHeld { inFlight.wait() }
        outstanding.enter()
        let number = nextBatch
        let endPosition = nextPosition
        nextBatch += 1
        stats.withLock { $0.batchesInFlight += 1 }
        let entry = PendingBatch(remaining: partitions.count, watermark: endWatermark, endPosition: endPosition,
                                 runs: Array(repeating: [], count: partitions.count), correlator: replacement,
                                 router: router, finished: finished, snapshots: router == nil ? [] : Array(repeating: nil, count: partitions.count))
        merge.withLock { $0.pending[number] = entry }
        for (index, partition) in partitions.enumerated() {
            var batch = batches[index]
            batch.endWatermark = endWatermark
            batch.clock = clock
            let work = batch
            partition.queue.async { [self] in
                let result = partition.process(work)
                collect(consume result, from: partition.index, batch: number)
            }
        }
    }

    /// Runs on a partition's queue: leaves one partition's result with its batch; when no other
    /// thread is emitting, emits every completed batch that is next in order.
    private func collect(_ result: consuming PartitionResult, from partition: Int, batch: UInt64) {
        if result.closeNanoseconds > 0 { longestClose.withLock { $0 = max($0, result.closeNanoseconds) } }
        // Taken from the result, so the batch's run is the records' only holder and the merge
        // can move them out (a shared array would be copied first).
        var records: [OrderedRecord] = []
        swap(&records, &result.records)
        let emits = merge.withLock { state -> Bool in
            // Taken out while it changes, so its records grow in place rather than being copied
            // (the dictionary would still share them).
            guard var entry = state.pending.removeValue(forKey: batch) else { preconditionFailure("result for unknown batch \(batch)") }
            entry.remaining -= 1
            swap(&entry.runs[partition], &records)
            entry.events += result.events
            entry.lateEvents += result.lateEvents
            entry.outOfRangeReadings += result.outOfRangeReadings
            if let snapshot = result.snapshot {
                entry.snapshots[partition] = snapshot
                entry.snapshotNanoseconds = max(entry.snapshotNanoseconds, result.snapshotNanoseconds)
            }
            state.pending[batch] = entry
            state.gauges[partition] = result.gauges
            guard !state.emitting, state.pending[state.nextToEmit]?.remaining == 0 else { return false }
            state.emitting = true
            return true
        }
        guard emits else { return }
        // Whoever finds the next batch complete emits it and all completed after it; results
        // arriving meanwhile are left for this loop, which checks again under the lock.
        while true {
            guard let (next, gauges) = merge.withLock({ state -> (PendingBatch, PartitionGauges)? in
                guard state.pending[state.nextToEmit]?.remaining == 0, let ready = state.pending.removeValue(forKey: state.nextToEmit) else {
                    state.emitting = false
                    return nil
                }
                state.nextToEmit += 1
                return (ready, PartitionGauges.total(state.gauges))
            }) else { break }
            // `ready` is the batch's only holder: the merge moves its records out.
            var ready = consume next
            emit(&ready, gauges: gauges)
        }
    }

    private func emit(_ batch: inout PendingBatch, gauges: PartitionGauges) {
        if let replacement = batch.correlator { correlator = replacement }
        var runs: [[OrderedRecord]] = []
        swap(&runs, &batch.runs)
        var output = correlator.process(OrderedRecord.merge(&runs))
        if batch.watermark == .max { output.append(contentsOf: correlator.finish(), trigger: batch.endPosition) }
        let watermark: Int64? = batch.watermark == .min || batch.watermark == .max ? nil : batch.watermark
        let snapshot = stats.withLock { stats -> EngineStatistics in
            stats.events += batch.events
            stats.lateEvents += batch.lateEvents
            stats.outOfRangeReadings += batch.outOfRangeReadings
            for record in output.records {
                switch record {
                case .alert: stats.alerts += 1
                case .window: stats.windowResults += 1
                case .late, .score: break
                }
            }
            if let watermark { stats.watermark = watermark }
            stats.openWindows = gauges.openWindows
            stats.openAlerts = gauges.openAlerts
            stats.stateBytes = gauges.stateBytes
            stats.keys = gauges.keys
            stats.batchesInFlight -= 1
            return stats
        }
        var result = EngineOutput(batch: output, watermark: snapshot.watermark, events: batch.events, lateEvents: batch.lateEvents)
        if let router = batch.router {
            var collected = CheckpointWriter()
            correlator.write(to: &collected)
            var statistics = snapshot
            statistics.batchesInFlight = 0
            result.checkpoint = EngineSnapshot(position: batch.endPosition, parts: batch.snapshots.map { .captured($0!) }, router: router,
                                               collector: collected.bytes, statistics: statistics,
                                               pauseNanoseconds: batch.snapshotNanoseconds)
            result.checkpoint?.finished = batch.finished
        }
        handler(result)
        inFlight.signal()
        outstanding.leave()
    }
}
