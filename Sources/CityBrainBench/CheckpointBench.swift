import CityBrainCore
import CityBrainIO
import Foundation
import Synchronization

/// `citybrain bench --checkpoints`: what a checkpoint of the scenario's city costs. The engine
/// is filled with `rounds` readings of every sensor (the scenario's generator, decoded as live
/// input is), then checkpoints are taken between further batches, as a running pipeline takes
/// them, and one is restored:
///
/// Each barrier goes where a running checkpointer sends it: right after the next close burst
/// (see `Checkpointer`).
///
/// - **pause**: how long the partitions hold ingest up for the checkpoint: the capture at the
///   barrier, plus how much longer the slowest batch after it takes than the same batch without
///   a checkpoint (its first changes copy what they share with the snapshot). Batches are timed
///   one by one, each drained before the next, while the snapshot is held and not yet written,
///   so what is measured is the checkpoint's own cost to the partitions;
/// - **slowdown**: how much longer all batches of the next two tenths of the sensors' readings
///   take than without a checkpoint: the copies of the first tenth, plus the writer competing
///   for the cores during the second (it runs at nice 10; on two cores beside two busy
///   partitions it still takes a share);
/// - **write**: the background work: file encoding, CRC, write, fsync and rename;
/// - **size** of the file, and **restore**: read, check and rebuild an engine from it.
public struct CheckpointBench: Sendable {
    public struct Report: Sendable, Encodable {
        public var scenario: String
        public var sensors: Int
        public var partitions: Int
        public var events: Int
        /// Readings fed before each barrier: each right after the batch of a close burst.
        public var barrierEvents: [Int]
        /// The engine's own estimate of its state, and the process's resident memory before the checkpoints.
        public var stateBytes: Int
        public var residentBytes: Int
        public var checkpointBytes: Int
        public var pausesMilliseconds: [Double]
        public var slowdownsMilliseconds: [Double]
        public var writesMilliseconds: [Double]
        /// CPU time of the writing thread (encode, CRC, system calls): the background work
        /// itself, whatever share of the cores it got while the engine went on.
        public var writesCPUMilliseconds: [Double]
        /// CPU time to encode each checkpoint again in memory, engine idle, no I/O: the
        /// encoder's own cost, apart from the kernel's copy and the competition for the cores.
        public var encodesCPUMilliseconds: [Double]
        public var restoreMilliseconds: Double
        /// Peak resident memory over the whole measurement (the file is built in memory).
        public var peakResidentBytes: Int

        public var medianPause: Double { median(pausesMilliseconds) }
        public var medianWrite: Double { median(writesMilliseconds) }
        public var medianWriteCPU: Double { median(writesCPUMilliseconds) }

        public var json: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }

        public var table: String {
            let list = { (values: [Double]) in values.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
            return """
                checkpoints of scenario \(scenario): \(sensors) sensors, \(events) events, \(partitions) partitions
                  state (engine estimate)  \(BenchReport.bytes(stateBytes)); process RSS \(BenchReport.bytes(residentBytes))
                  checkpoint file          \(BenchReport.bytes(checkpointBytes)) (\(checkpointBytes / max(1, sensors)) bytes per sensor)
                  ingest pause             median \(String(format: "%.0f", medianPause)) ms  (\(list(pausesMilliseconds)) ms): capture + slowest batch after it
                  slowdown                 median \(String(format: "%.0f", median(slowdownsMilliseconds))) ms  (\(list(slowdownsMilliseconds)) ms) over the next \(2 * max(1, sensors / 10)) events, the writer running for the second half
                  background write         median \(String(format: "%.0f", medianWrite)) ms  (\(list(writesMilliseconds)) ms) wall, \
                median \(String(format: "%.0f", medianWriteCPU)) ms (\(list(writesCPUMilliseconds)) ms) of CPU
                  encode alone             median \(String(format: "%.0f", median(encodesCPUMilliseconds))) ms  (\(list(encodesCPUMilliseconds)) ms) of CPU, in memory, engine idle
                  restore                  \(String(format: "%.0f", restoreMilliseconds)) ms
                  peak RSS                 \(BenchReport.bytes(peakResidentBytes))
                """
        }
    }

    public let scenario: BenchScenario
    public let pipeline: Pipeline
    public let partitions: Int
    /// Readings of every sensor before the first checkpoint.
    public let rounds: Int
    public let checkpoints: Int

    public init(scenario: BenchScenario, pipeline: Pipeline, partitions: Int, rounds: Int = 4, checkpoints: Int = 3) {
        self.scenario = scenario
        self.pipeline = pipeline
        self.partitions = partitions
        self.rounds = rounds
        self.checkpoints = checkpoints
    }

    private func timed(_ body: () -> Void) -> Double {
        let start = SystemClock().uptimeNanoseconds
        body()
        return Double(SystemClock().uptimeNanoseconds - start) / 1e6
    }

    /// The batches after each barrier, timed one by one; with `checkpointing`, a checkpoint is
    /// taken at each barrier and written in the background meanwhile, and `written` is told.
    private func pass(checkpointing store: CheckpointStore?, progress: (String) -> Void,
                      written: (_ number: Int, _ snapshot: EngineSnapshot, _ url: URL, _ bytes: Int, _ wall: Double, _ cpu: Double) -> Void)
        throws -> (afterBarrier: [[Double]], besideWriter: [[Double]], barriers: [Int], stateBytes: Int, residentBytes: Int, events: Int, encodes: [Double]) {
        let generator = LoadGenerator(scenario: scenario)
        let decoder = EventDecoder()
        let taken = Mutex<EngineSnapshot?>(nil)
        let engine = StreamEngine(pipeline: pipeline, partitions: partitions) { output in
            if let snapshot = output.checkpoint { taken.withLock { $0 = snapshot } }
        }
        defer { engine.finish() }
        var encodes: [Double] = []
        var next = 0
        func batches(_ count: Int) -> [[Event]] {
            var batches: [[Event]] = []
            var batch: [Event] = []
            batch.reserveCapacity(4_096)
            for index in next..<(next + count) {
                guard let event = try? decoder.decode(json: generator.frame(index)) else { continue }
                batch.append(event)
                if batch.count == 4_096 {
                    batches.append(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { batches.append(batch) }
            next += count
            return batches
        }
        /// Milliseconds per batch, each submitted alone and drained.
        func feedOneByOne(_ count: Int) -> [Double] {
            batches(count).map { batch in timed { engine.submit(batch); engine.drain() } }
        }
        /// Feeds batches up to and including the next close burst, where the checkpointer sends
        /// a barrier that is due (at most one longest slide's readings).
        func feedThroughClose(step: Int) {
            let schedule = engine.closeSchedule
            guard let period = schedule.longestPeriod else { return }
            let limit = next + Int(Int64(scenario.sensors) * period / max(1, scenario.reportInterval))
            while next < limit {
                for batch in batches(min(4_096, step, limit - next)) { engine.submit(batch) }
                engine.drain()
                if engine.closedWindows { return }
            }
        }
        let total = scenario.sensors * rounds
        var fed = 0
        while fed < total {
            let step = min(scenario.sensors, total - fed)
            for batch in batches(step) { engine.submit(batch) }
            fed += step
            progress("  filled \(fed) of \(total) readings")
        }
        engine.drain()
        let state = engine.statistics.stateBytes
        let resident = ResourceUsage.residentBytes
        var afterBarrier: [[Double]] = []
        var beside: [[Double]] = []
        var barriers: [Int] = []
        let step = max(1, scenario.sensors / 10)
        for number in 1...checkpoints {
            _ = feedOneByOne(step)
            feedThroughClose(step: step)
            barriers.append(next)
            guard let store else {
                afterBarrier.append(feedOneByOne(step))
                beside.append(feedOneByOne(step))
                continue
            }
            engine.checkpoint()
            engine.drain()
            guard let snapshot = taken.withLock({ $0 }) else { break }
            taken.withLock { $0 = nil }
            // The snapshot is held, as while it waits for the writer: the first changes copy
            // what they share with it.
            afterBarrier.append(feedOneByOne(step))
            // Written in the background while the engine goes on, as the checkpointer does: the
            // first changes after the barrier copy what they share with the snapshot.
            let checkpoint = Checkpoint(createdAt: SystemClock().epochMilliseconds, input: InputPosition(segment: 0, frame: next),
                                        lastSequence: 0, pipeline: pipeline.sources, engine: snapshot)
            let outcome = Mutex<Result<(URL, Int, Double, Double), any Error>?>(nil)
            let writing = DispatchGroup()
            writing.enter()
            BackgroundThread.start(name: "citybrain.checkpoint") {
                let start = SystemClock().uptimeNanoseconds
                let cpu = ResourceUsage.threadCPUSeconds
                let result = Result { () throws -> (URL, Int, Double, Double) in
                    let (url, bytes) = try store.save(checkpoint)
                    return (url, bytes, Double(SystemClock().uptimeNanoseconds - start) / 1e6, (ResourceUsage.threadCPUSeconds - cpu) * 1000)
                }
                outcome.withLock { $0 = result }
                writing.leave()
            }
            beside.append(feedOneByOne(step))
            writing.wait()
            let (url, bytes, wall, cpu) = try outcome.withLock { $0! }.get()
            let encodeStart = ResourceUsage.threadCPUSeconds
            _ = try CheckpointFile.encode(checkpoint) { _ in }
            encodes.append((ResourceUsage.threadCPUSeconds - encodeStart) * 1000)
            written(number, snapshot, url, bytes, wall, cpu)
        }
        return (afterBarrier, beside, barriers, state, resident, next, encodes)
    }

    /// Runs the scenario twice on the same readings, without checkpoints and with them, and
    /// compares each batch after a barrier with the same batch in the run without: what remains
    /// is the checkpoint's cost, not the work the batch brings (a batch that closes a million
    /// windows is slow in both runs).
    public func run(directory: String, progress: (String) -> Void) throws -> Report {
        ResourceUsage.resetPeak()
        progress("  reference run, without checkpoints")
        let reference = try pass(checkpointing: nil, progress: progress) { _, _, _, _, _, _ in }
        progress("  run with checkpoints")
        let store = try CheckpointStore(directory: directory, keep: 1)
        var captures: [Double] = []
        var writes: [Double] = []
        var writesCPU: [Double] = []
        var sizes: [Int] = []
        var last: URL?
        let measured = try pass(checkpointing: store, progress: progress) { _, snapshot, url, bytes, wall, cpu in
            captures.append(Double(snapshot.pauseNanoseconds) / 1e6)
            sizes.append(bytes)
            writes.append(wall)
            writesCPU.append(cpu)
            last = url
        }
        let size = sizes.last ?? 0
        var pauses: [Double] = []
        var slowdowns: [Double] = []
        for (number, capture) in captures.enumerated() {
            let extra = zip(measured.afterBarrier[number], reference.afterBarrier[number]).map { $0 - $1 }
            let besideExtra = zip(measured.besideWriter[number], reference.besideWriter[number]).map { $0 - $1 }
            let slowest = extra.max() ?? 0
            let slowestIndex = extra.firstIndex(of: slowest) ?? 0
            let slowestWithout = reference.afterBarrier[number].isEmpty ? 0 : reference.afterBarrier[number][slowestIndex]
            pauses.append(capture + max(0, slowest))
            slowdowns.append(capture + max(0, extra.reduce(0, +) + besideExtra.reduce(0, +)))
            progress(String(format: "  checkpoint %d (after reading %d, a close burst): %@, capture %.1f ms, the slowest batch after it (number %d, %.0f ms without) %.0f ms longer than without (%.0f ms in all over %d batches); beside the writer the slowest batch %.0f ms longer (%.0f ms in all); written in %.0f ms (%.0f ms of CPU)",
                            number + 1, measured.barriers[number], BenchReport.bytes(sizes[number]), capture, slowestIndex + 1, slowestWithout, slowest, extra.reduce(0, +), extra.count,
                            besideExtra.max() ?? 0, besideExtra.reduce(0, +), writes[number], writesCPU[number]))
        }
        let next = measured.events
        let state = measured.stateBytes
        let resident = measured.residentBytes
        var restore = 0.0
        if let last {
            let start = SystemClock().uptimeNanoseconds
            let checkpoint = try CheckpointFile.read(last)
            _ = try StreamEngine(restoring: checkpoint.engine, pipeline: pipeline) { _ in }
            restore = Double(SystemClock().uptimeNanoseconds - start) / 1e6
            progress(String(format: "  restored in %.0f ms", restore))
        }
        return Report(scenario: scenario.name, sensors: scenario.sensors, partitions: partitions, events: next, barrierEvents: measured.barriers,
                      stateBytes: state,
                      residentBytes: resident, checkpointBytes: size, pausesMilliseconds: pauses, slowdownsMilliseconds: slowdowns, writesMilliseconds: writes, writesCPUMilliseconds: writesCPU, encodesCPUMilliseconds: measured.encodes,
                      restoreMilliseconds: restore, peakResidentBytes: ResourceUsage.peakResidentBytes)
    }
}
