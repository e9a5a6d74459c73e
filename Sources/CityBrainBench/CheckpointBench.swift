import CityBrainCore
import CityBrainIO
import Foundation
import Synchronization

/// `citybrain bench --checkpoints`: what a checkpoint of the scenario's city costs. The engine
/// is filled with `rounds` readings of every sensor (the scenario's generator, decoded as live
/// input is), then checkpoints are taken between further batches, as a running pipeline takes
/// them, and one is restored:
///
/// - **pause**: how long the partitions stop processing events for the checkpoint: the capture
///   at the barrier, plus what the next batch takes longer than the same batch without a
///   checkpoint before it (its first changes copy what they share with the snapshot, and the
///   encoder competes for the cores);
/// - **write**: the background work: file encoding, CRC, write, fsync and rename;
/// - **size** of the file, and **restore**: read, check and rebuild an engine from it.
public struct CheckpointBench: Sendable {
    public struct Report: Sendable, Encodable {
        public var scenario: String
        public var sensors: Int
        public var partitions: Int
        public var events: Int
        /// The engine's own estimate of its state, and the process's resident memory before the checkpoints.
        public var stateBytes: Int
        public var residentBytes: Int
        public var checkpointBytes: Int
        public var pausesMilliseconds: [Double]
        public var writesMilliseconds: [Double]
        /// CPU time of the writing thread (encode, CRC, system calls): the background work
        /// itself, whatever share of the cores it got while the engine went on.
        public var writesCPUMilliseconds: [Double]
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
                  ingest pause             median \(String(format: "%.0f", medianPause)) ms  (\(list(pausesMilliseconds)) ms)
                  background write         median \(String(format: "%.0f", medianWrite)) ms  (\(list(writesMilliseconds)) ms) wall, \
                median \(String(format: "%.0f", medianWriteCPU)) ms (\(list(writesCPUMilliseconds)) ms) of CPU
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

    public func run(directory: String, progress: (String) -> Void) throws -> Report {
        let generator = LoadGenerator(scenario: scenario)
        let decoder = EventDecoder()
        let taken = Mutex<EngineSnapshot?>(nil)
        ResourceUsage.resetPeak()
        let engine = StreamEngine(pipeline: pipeline, partitions: partitions) { output in
            if let snapshot = output.checkpoint { taken.withLock { $0 = snapshot } }
        }
        var next = 0
        func feed(_ count: Int) {
            var batch: [Event] = []
            batch.reserveCapacity(4_096)
            for index in next..<(next + count) {
                guard let event = try? decoder.decode(json: generator.frame(index)) else { continue }
                batch.append(event)
                if batch.count == 4_096 {
                    engine.submit(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            engine.submit(batch)
            next += count
        }
        let total = scenario.sensors * rounds
        var fed = 0
        while fed < total {
            let step = min(scenario.sensors, total - fed)
            feed(step)
            fed += step
            progress("  filled \(fed) of \(total) readings")
        }
        engine.drain()
        let state = engine.statistics.stateBytes
        let resident = ResourceUsage.residentBytes
        let store = try CheckpointStore(directory: directory, keep: 1)
        var pauses: [Double] = []
        var writes: [Double] = []
        var writesCPU: [Double] = []
        var size = 0
        var last: URL?
        let step = max(1, scenario.sensors / 10)
        func timed(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        for number in 1...checkpoints {
            let normal = timed { feed(step); engine.drain() }
            engine.checkpoint()
            engine.drain()
            guard let snapshot = taken.withLock({ $0 }) else { break }
            taken.withLock { $0 = nil }
            // Written in the background while the engine goes on, as the checkpointer does: the
            // first changes after the barrier copy what they share with the snapshot.
            let checkpoint = Checkpoint(createdAt: Int64(Date().timeIntervalSince1970 * 1000), input: InputPosition(segment: 0, frame: next),
                                        lastSequence: 0, pipeline: pipeline.sources, engine: snapshot)
            let written = Mutex<Result<(URL, Int, Double, Double), any Error>?>(nil)
            let writing = DispatchGroup()
            writing.enter()
            DispatchQueue.global().async {
                let start = DispatchTime.now().uptimeNanoseconds
                let cpu = ResourceUsage.threadCPUSeconds
                let result = Result { () throws -> (URL, Int, Double, Double) in
                    let (url, bytes) = try store.save(checkpoint)
                    return (url, bytes, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, (ResourceUsage.threadCPUSeconds - cpu) * 1000)
                }
                written.withLock { $0 = result }
                writing.leave()
            }
            let after = timed { feed(step); engine.drain() }
            writing.wait()
            let (url, bytes, milliseconds, cpuMilliseconds) = try written.withLock { $0! }.get()
            let pause = Double(snapshot.pauseNanoseconds) / 1e6 + max(0, after - normal)
            pauses.append(pause)
            writes.append(milliseconds)
            writesCPU.append(cpuMilliseconds)
            size = bytes
            last = url
            progress(String(format: "  checkpoint %d: %@, capture %.1f ms, next %d events %.0f ms (%.0f ms without a checkpoint), written in %.0f ms (%.0f ms of CPU)",
                            number, BenchReport.bytes(bytes), Double(snapshot.pauseNanoseconds) / 1e6, step, after, normal, milliseconds, cpuMilliseconds))
        }
        engine.finish()
        var restore = 0.0
        if let last {
            let start = DispatchTime.now().uptimeNanoseconds
            let checkpoint = try CheckpointFile.read(last)
            _ = try StreamEngine(restoring: checkpoint.engine, pipeline: pipeline) { _ in }
            restore = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            progress(String(format: "  restored in %.0f ms", restore))
        }
        return Report(scenario: scenario.name, sensors: scenario.sensors, partitions: partitions, events: next, stateBytes: state,
                      residentBytes: resident, checkpointBytes: size, pausesMilliseconds: pauses, writesMilliseconds: writes, writesCPUMilliseconds: writesCPU,
                      restoreMilliseconds: restore, peakResidentBytes: ResourceUsage.peakResidentBytes)
    }
}
