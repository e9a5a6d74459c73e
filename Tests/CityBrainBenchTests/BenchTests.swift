@testable import CityBrainBench
import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Dispatch
import Foundation
import Logging
import Synchronization
import Testing

@Suite("citybrain bench: scenarios, load generator, latency")
struct BenchTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func scenario(_ yaml: String, pipeline: String = "rules: []") throws(BenchScenarioError) -> BenchScenario {
        try BenchScenario.parse(yaml: yaml, file: "test.yaml") { path in PipelineSource(name: path, text: pipeline) }
    }

    @Test("the city scenario runs the default pipeline, whose anomaly rules give --series scores to keep")
    func cityScenario() throws {
        let scenario = try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/city.yaml")
        let pipeline = try scenario.pipeline()
        #expect(scenario.sensors == 100_000)
        #expect(pipeline.rules == (try BuiltInPipeline.city()).rules)
        #expect(pipeline.rules.contains { if case .anomaly = $0.kind { true } else { false } })
    }

    @Test("the shipped scenarios load, and their pipeline has 10 rules over 3 window specs")
    func shippedScenarios() throws {
        for name in ["10k", "100k", "1m", "default", "spread"] {
            let scenario = try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/\(name).yaml")
            let pipeline = try scenario.pipeline()
            #expect(pipeline.rules.count == 10)
            #expect(Set(pipeline.aggregations.compactMap { aggregation -> String? in
                if case .silence = aggregation.window.spec { return nil }
                return aggregation.window.spec.summary
            }) == ["tumbling 1m", "sliding 5m every 1m", "session gap 2m max 5m"])
        }
        #expect(try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/1m.yaml").sensors == 1_000_000)
        // The spread scenario is the 100k one with its closes spread over 20 s, by the scenario.
        let spread = try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/spread.yaml")
        let plain = try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/100k.yaml")
        #expect(try spread.pipeline().watermark.closeSpread == 20_000 && plain.pipeline().watermark.closeSpread == 0)
        #expect(try spread.pipeline().rules == plain.pipeline().rules && spread.sensors == plain.sensors)
    }

    @Test("bench --checkpoints: a small city's checkpoints are written, sized, timed and restored")
    func checkpointBench() throws {
        let shipped = try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/default.yaml")
        let scenario = try Self.scenario("name: tiny\nsensors: 400\npipeline: p.yaml", pipeline: try String(
            contentsOfFile: Self.repository.path + "/Benchmarks/scenarios/pipeline.yaml", encoding: .utf8))
        #expect(scenario.sensors == 400 && shipped.sensors > 400)
        let directory = temporaryPath("bench-ckpt")
        defer { removeTemporaryItem(directory) }
        let report = try CheckpointBench(scenario: scenario, pipeline: try scenario.pipeline(), partitions: 2).run(directory: directory) { _ in }
        // Four readings each (a reading every 25 ms of event time), then around each checkpoint:
        // a tenth (40 readings), then tenths up to the batch holding the reading whose
        // watermark (5 s behind) passes the next minute (at 65, 125, 185 s: readings 2 600,
        // 5 000, 7 400), the barrier, a tenth with the snapshot held, a tenth beside the writer.
        #expect(report.barrierEvents == [2_640, 5_040, 7_440])
        #expect(report.events == 7_440 + 2 * 40)
        #expect(report.pausesMilliseconds.count == 3 && report.slowdownsMilliseconds.count == 3)
        #expect(report.writesMilliseconds.count == 3 && report.writesCPUMilliseconds.count == 3)
        #expect(report.checkpointBytes > 400 * 50)  // every sensor's windows are in it
        #expect(report.restoreMilliseconds > 0)
        #expect(report.table.contains("checkpoint file"))
        // The file the bench measured is a checkpoint that restores.
        let (checkpoint, _) = try #require(try CheckpointStore(directory: directory).latest())
        #expect(checkpoint.engine.statistics.keys >= 400)
    }

    @Test("a broken scenario is refused with the file and what is wrong")
    func brokenScenarios() {
        #expect(throws: BenchScenarioError(file: "test.yaml", message: "line 2: unknown setting 'sensor'; did you mean 'sensors'?")) {
            try Self.scenario("pipeline: p.yaml\nsensor: 10")
        }
        #expect(throws: BenchScenarioError(file: "test.yaml", message: "mix: the percentages add up to 90, not 100")) {
            try Self.scenario("pipeline: p.yaml\nmix: { traffic: 50, parking: 20, environment: 20 }")
        }
        #expect(throws: BenchScenarioError(file: "test.yaml", message: "report_interval: expected a positive duration such as 10s or 5m, got 'soon'")) {
            try Self.scenario("pipeline: p.yaml\nreport_interval: soon")
        }
        #expect(throws: BenchScenarioError(file: "test.yaml", message: "close_spread: expected a duration such as 0s or 20s, got 'wide'")) {
            try Self.scenario("pipeline: p.yaml\nclose_spread: wide")
        }
        #expect(throws: BenchScenarioError(file: "test.yaml", message: "pipeline: missing (the pipeline file to run, relative to the scenario)")) {
            try Self.scenario("sensors: 10")
        }
        #expect {
            try BenchScenario.load(path: "/nonexistent.yaml")
        } throws: { error in
            "\(error)".hasPrefix("/nonexistent.yaml: cannot read the scenario: ")
        }
    }

    @Test("a stall is the longest standstill once the counter has moved: joining the feed is not one")
    func stalls() {
        var tracker = StallTracker()
        let samples: [(seconds: Double, value: Int)] = [(0, 0), (0.3, 0), (0.35, 5), (0.45, 5), (0.5, 9), (0.9, 9), (1.0, 12), (1.1, 12)]
        for sample in samples { tracker.observe(sample.value, at: UInt64(sample.seconds * 1e9)) }
        #expect(abs(tracker.longestSeconds - 0.4) < 1e-9)
        // Not counted after the phase (the sender has stopped): only while `counting`.
        tracker.observe(12, at: 3_000_000_000, counting: false)
        #expect(abs(tracker.longestSeconds - 0.4) < 1e-9)
    }

    @Test("the overload feed keeps event time at the sustained pace: ten times the frames cover the same event time")
    func overloadPace() throws {
        let scenario = try BenchScenario.load(path: Self.repository.path + "/Benchmarks/scenarios/10k.yaml")
        let normal = LoadGenerator(scenario: scenario), peak = LoadGenerator(scenario: scenario.atPeak(10))
        #expect(peak.scenario.reportInterval == scenario.reportInterval / 10)
        for round in [1, 7, 60] {
            #expect(peak.eventTime(of: 10 * round * scenario.sensors) == normal.eventTime(of: round * scenario.sensors))
        }
    }

    @Test("the overload sender's frames: a topic the decoder accepts with the frame, and the sensor's seq counting its frames")
    func publishedFrames() throws {
        let scenario = try Self.scenario("pipeline: p.yaml\nsensors: 300")
        let generator = LoadGenerator(scenario: scenario)
        let decoder = EventDecoder()
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: LoadGenerator.maxFrameBytes)
        let topic = UnsafeMutablePointer<UInt8>.allocate(capacity: LoadGenerator.maxFrameBytes)
        defer { buffer.deallocate(); topic.deallocate() }
        for index in [0, 1, 299, 300, 301, 12_345] {
            let frame = UnsafeRawBufferPointer(start: buffer, count: generator.write(frame: index, to: buffer, sequence: true))
            let topicFrame = UnsafeRawBufferPointer(start: topic, count: generator.write(topicOf: index, to: topic))
            let event = try decoder.decode(json: frame, topic: topicFrame)
            #expect(event.sequence == Int64(index / 300))
            #expect(FeedTopic.sensor(of: topicFrame) == event.sensor)
            #expect(String(decoding: topicFrame, as: UTF8.self) == FeedTopic.topic(for: event))
        }
    }

    @Test("every generated frame is a valid event; time never goes back; the same index gives the same bytes")
    func generatorFrames() throws {
        let scenario = try Self.scenario("pipeline: p.yaml\nsensors: 1000\nanomalous_share: 0.1\nreport_interval: 10s")
        let generator = LoadGenerator(scenario: scenario)
        let decoder = EventDecoder()
        var kinds: [EventKind: Int] = [:]
        var last = Int64.min
        var anomalousTraffic = 0
        for index in 0..<5_000 {
            let frame = generator.frame(index)
            #expect(frame.count <= LoadGenerator.maxFrameBytes)
            let event = try decoder.decode(json: frame)
            #expect(event.timestamp >= last)
            #expect(event.timestamp == generator.eventTime(of: index))
            last = event.timestamp
            kinds[event.kind, default: 0] += 1
            if event.kind == .traffic, let speed = event.readings.first(where: { $0.name == "speed_kmh" })?.value, speed < 20 {
                anomalousTraffic += 1
            }
        }
        #expect(kinds == [.traffic: 3_000, .parking: 750, .environment: 1_250])
        #expect((150...450).contains(anomalousTraffic))  // about 10 % of 3 000
        #expect(generator.frame(4_321) == LoadGenerator(scenario: scenario).frame(4_321))
        #expect(String(decoding: generator.frame(0), as: UTF8.self).hasPrefix(#"{"kind":"traffic","sensor":"seg-0000000","district":"d0000","ts":1732269600000,"speed_kmh":"#))
    }

    @Test("latency is charged from the send time of the trigger's sample; untimed triggers are counted")
    func latencyFromTriggers() {
        let timeline = PositionClock(stride: 16, slots: 63)
        let start = DispatchTime.now().uptimeNanoseconds - 1_000_000
        for index in 0..<64 { timeline.advance(by: 1, at: start + UInt64(index) * 1_000) }
        #expect(timeline.time(of: 17) == start + 16_000)  // sample of frame 16
        #expect(timeline.time(of: 64) == nil)  // not sent yet
        let recorder = LatencyRecorder(timeline: timeline)
        let alert = Alert(id: "a", rule: "r", state: .raised, severity: .info, department: "d", key: "k", sensor: "k", district: nil,
                          kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [], message: "", ts: 1)
        recorder.published(OutputBatch(records: [.alert(alert), .alert(alert)], triggers: [3, 500]))
        recorder.published(.untimed([.alert(alert)]))  // published by hand: no latency, not counted untimed
        #expect(recorder.summary.alerts == 1)
        #expect(recorder.summary.untimed == 1)
        #expect(recorder.summary.p50 >= 1_000)  // sent at least a millisecond ago
    }

    @Test("a position clock keeps a ring of samples: batches cross several, old ones fall out")
    func positionClockRing() {
        let clock = PositionClock(stride: 4, slots: 3)
        clock.advance(by: 5, at: 100)  // positions 0–4: samples 0 and 4
        clock.advance(by: 6, at: 200)  // positions 5–10: samples 8
        #expect(clock.time(of: 0) == 100)
        #expect(clock.time(of: 7) == 100)  // charged to sample 4, never later than its own time
        #expect(clock.time(of: 10) == 200)
        clock.advance(by: 6, at: 300)  // positions 11–16: samples 12 and 16; sample 0 and 4 leave the ring
        #expect(clock.time(of: 3) == nil)
        #expect(clock.time(of: 9) == 200)
        #expect(clock.time(of: 16) == 300)
        #expect(clock.time(of: 17) == nil)
    }

    @Test("batch arrivals time each position by its own batch, at any rate; old batches fall out of the ring")
    func batchArrivals() {
        let arrivals = BatchArrivals(capacity: 3)
        arrivals.advance(by: 1, at: 100)  // position 0: a slow feed, one event per batch
        arrivals.advance(by: 1, at: 400)  // position 1, 300 ns later: timed by its own batch, not an earlier sample
        arrivals.advance(by: 4, at: 500)  // positions 2–5
        #expect(arrivals.time(of: 0) == 100)
        #expect(arrivals.time(of: 1) == 400)
        #expect(arrivals.time(of: 2) == 500)
        #expect(arrivals.time(of: 5) == 500)
        #expect(arrivals.time(of: 6) == nil)  // not arrived
        arrivals.advance(by: 2, at: 900)  // positions 6–7; the batch of position 0 leaves the ring
        #expect(arrivals.time(of: 0) == nil)
        #expect(arrivals.time(of: 1) == 400)
        #expect(arrivals.time(of: 7) == 900)
        #expect(arrivals.time(of: -1) == nil)
    }

    @Test("a short run over ipc measures every phase; every published alert is timed or counted")
    func shortRun() throws {
        let pipeline = try String(contentsOf: Self.repository.appendingPathComponent("Benchmarks/scenarios/pipeline.yaml"), encoding: .utf8)
        // 60 sensors reporting once a minute: even a slow debug build closes several windows.
        let scenario = try Self.scenario("pipeline: p.yaml\nsensors: 60\nreport_interval: 60s\nanomalous_share: 0.3\nduration: 1s", pipeline: pipeline)
        var options = BenchRunner.Options()
        options.transport = .ipc
        options.phaseSeconds = 0.5
        let lines = Mutex<[String]>([])
        let runner = BenchRunner(scenario: scenario, pipeline: try scenario.pipeline(), options: options, logger: Logger(label: "test")) { line in
            lines.withLock { $0.append(line) }
        }
        let report = try runner.run()
        #expect(report.baseline.messages > 0)
        #expect(report.generator.framesPerSecond > 0)
        for phase in [report.sustained, try #require(report.halfRate)] {
            #expect(phase.events > 1_000)
            #expect(phase.rejected == 0)
            #expect(phase.alerts > 0)
            #expect(phase.latency.alerts + phase.latency.untimed == phase.alerts)
            #expect(phase.latency.p50 <= phase.latency.max)
            #expect(phase.peakResidentBytes > 0)
        }
        #expect(report.scenario.rules == 10)
        #expect(report.json.contains(#""ratioToBaseline""#))
        #expect(report.table.contains("raw PUSH→PULL"))
        #expect(lines.withLock { $0.first } == "raw libzmq PUSH→PULL over ipc, 0.5 s…")
        // Its ipc:// socket files are gone with it (they were left in the temporary directory).
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("citybrain-bench-\(getpid())-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
