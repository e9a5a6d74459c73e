import Dispatch
import Synchronization

/// The streaming engine: routes events to keyed partitions, advances the event-time watermark,
/// closes windows, evaluates rules, and emits alerts in a deterministic order.
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
/// loop). Each partition is a serial queue owning its keys' state; a collector queue merges the
/// partitions' results batch by batch and calls the output handler there, one batch at a time,
/// in submission order.
///
/// **Event time.** The watermark is `max event time seen − maxOutOfOrderness`, computed by the
/// router per event, so every partition sees the same watermark for the same input position.
/// A window `[start, end)` closes when the watermark reaches `end`; an event whose window has
/// closed is late and dropped (counted). Output therefore depends only on the order of the
/// input, never on batch boundaries, thread timing or the wall clock.
///
/// **Backpressure.** At most `maxBatchesInFlight` batches are queued; ``submit(_:)`` blocks
/// beyond that, which stops the ingest loop from reading its sockets.
public final class StreamEngine: @unchecked Sendable {
    public typealias OutputHandler = @Sendable (EngineOutput) -> Void

    public let pipeline: Pipeline
    private let partitions: [Partition]
    private let collector = DispatchQueue(label: "citybrain.collector")
    private let handler: OutputHandler
    private let ruleOrder: [String: Int]
    private let inFlight: DispatchSemaphore
    private let outstanding = DispatchGroup()
    private let stats = Mutex(EngineStatistics())

    // Producer state: touched only by the thread calling submit/finish.
    private var maxEventTime: Int64 = .min
    private var nextBatch: UInt64 = 0
    private var finished = false

    // Collector state: touched only on `collector`.
    private var pending: [UInt64: PendingBatch] = [:]
    private var nextToEmit: UInt64 = 0
    private var partitionOpenWindows: [Int]
    private var partitionOpenAlerts: [Int]

    private struct PendingBatch {
        var remaining: Int
        var watermark: Int64
        var output = PartitionResult()
    }

    /// Creates an engine.
    /// - Parameters:
    ///   - partitions: serial partitions (default: one per active core).
    ///   - maxBatchesInFlight: batches queued before ``submit(_:)`` blocks.
    ///   - output: called on the engine's collector queue for every batch, in order.
    public init(
        pipeline: Pipeline,
        partitions: Int = ProcessInfoCores.active,
        maxBatchesInFlight: Int = 64,
        output: @escaping OutputHandler
    ) {
        precondition(partitions > 0, "an engine needs at least one partition")
        self.pipeline = pipeline
        self.partitions = (0..<partitions).map { Partition(index: $0, rules: pipeline.rules) }
        self.handler = output
        self.ruleOrder = Dictionary(pipeline.rules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.inFlight = DispatchSemaphore(value: maxBatchesInFlight)
        self.partitionOpenWindows = Array(repeating: 0, count: partitions)
        self.partitionOpenAlerts = Array(repeating: 0, count: partitions)
    }

    /// Number of partitions.
    public var partitionCount: Int { partitions.count }

    /// A snapshot of the running totals (safe from any thread).
    public var statistics: EngineStatistics { stats.withLock { $0 } }

    /// Routes a batch of events to the partitions. Blocks while too many batches are queued.
    /// Events after ``finish()`` are ignored.
    public func submit(_ events: [Event]) {
        guard !finished, !events.isEmpty else { return }
        var batches = Array(repeating: PartitionBatch(), count: partitions.count)
        let outOfOrderness = pipeline.maxOutOfOrderness
        for event in events {
            if event.timestamp > maxEventTime { maxEventTime = event.timestamp }
            let partition = StableHash.partition(of: event.sensor, count: partitions.count)
            batches[partition].events.append(event)
            batches[partition].watermarks.append(maxEventTime &- outOfOrderness)
        }
        dispatch(batches, endWatermark: maxEventTime &- outOfOrderness)
    }

    /// Ends a bounded input: the watermark moves to the end of time, every open window closes
    /// and is evaluated, and the call returns once all output has been handed over.
    public func finish() {
        guard !finished else { return }
        finished = true
        dispatch(Array(repeating: PartitionBatch(), count: partitions.count), endWatermark: .max)
        drain()
    }

    /// Waits until every submitted batch has been emitted.
    public func drain() {
        outstanding.wait()
    }

    private func dispatch(_ batches: [PartitionBatch], endWatermark: Int64) {
        inFlight.wait()
        outstanding.enter()
        let number = nextBatch
        nextBatch += 1
        stats.withLock { $0.batchesInFlight += 1 }
        collector.async { [self] in
            pending[number] = PendingBatch(remaining: partitions.count, watermark: endWatermark)
        }
        for (index, partition) in partitions.enumerated() {
            var batch = batches[index]
            batch.endWatermark = endWatermark
            let work = batch
            partition.queue.async { [self] in
                let result = partition.process(work)
                collector.async { [self] in collect(result, from: partition.index, batch: number) }
            }
        }
    }

    /// Runs on `collector`: merges one partition's result; emits completed batches in order.
    private func collect(_ result: PartitionResult, from partition: Int, batch: UInt64) {
        guard var entry = pending[batch] else { preconditionFailure("result for unknown batch \(batch)") }
        entry.remaining -= 1
        entry.output.alerts += result.alerts
        entry.output.events += result.events
        entry.output.lateEvents += result.lateEvents
        partitionOpenWindows[partition] = result.openWindows
        partitionOpenAlerts[partition] = result.openAlerts
        pending[batch] = entry
        while let ready = pending[nextToEmit], ready.remaining == 0 {
            pending[nextToEmit] = nil
            nextToEmit += 1
            emit(ready)
        }
    }

    private func emit(_ batch: PendingBatch) {
        let order = ruleOrder
        let alerts = batch.output.alerts.sorted { a, b in
            if a.ts != b.ts { return a.ts < b.ts }
            let ra = order[a.rule] ?? .max, rb = order[b.rule] ?? .max
            if ra != rb { return ra < rb }
            return a.key < b.key
        }
        let watermark: Int64? = batch.watermark == .min || batch.watermark == .max ? nil : batch.watermark
        let windows = partitionOpenWindows.reduce(0, +)
        let openAlerts = partitionOpenAlerts.reduce(0, +)
        stats.withLock { stats in
            stats.events += batch.output.events
            stats.lateEvents += batch.output.lateEvents
            stats.alerts += alerts.count
            if let watermark { stats.watermark = watermark }
            stats.openWindows = windows
            stats.openAlerts = openAlerts
            stats.batchesInFlight -= 1
        }
        handler(EngineOutput(alerts: alerts, watermark: watermark ?? stats.withLock { $0.watermark }, events: batch.output.events, lateEvents: batch.output.lateEvents))
        inFlight.signal()
        outstanding.leave()
    }
}
