import CityBrainCore
import CityBrainIO
import Foundation
import Logging
import Testing

/// Real recorded city data from `../shared/data` (never copied into the repository).
@Suite("Real city data")
struct RealDataTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `../shared/data` beside the checkout (as on the developers' machines and in CI), or
    /// `CITYBRAIN_DATA` when set.
    static let data: URL = {
        if let path = ProcessInfo.processInfo.environment["CITYBRAIN_DATA"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    init() throws {
        try #require(FileManager.default.fileExists(atPath: Self.data.path),
                     "the real city data is not at \(Self.data.path): check out shared/ beside the repository, or set CITYBRAIN_DATA")
    }

    @Test("every data set imports into events the decoder accepts, in time order", arguments: RealDataset.allCases)
    func imports(dataset: RealDataset) throws {
        let result = try dataset.load(from: Self.data)
        #expect(!result.events.isEmpty)
        #expect(zip(result.events, result.events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
        switch dataset {
        case .parkingBirmingham:
            #expect(result.events.count == 35_705)
            #expect(result.skipped == ["out_of_range": 12])  // NIA North's negative occupancy
            #expect(Set(result.events.map(\.sensor)).count == 30)
            #expect(result.events.first?.timestamp == 1_475_563_588_000)  // 2016-10-04 07:46:28 BST
        case .airQualityUCI:
            #expect(result.events.count == 9_326)
            #expect(result.skipped == ["every measurement missing (-200)": 31])
        case .trafficMinnesota:
            #expect(result.events.count == 1_127 + 2_380)
            let speed = try #require(result.events.first { $0.sensor == "mn-7578" })
            #expect(speed.value("speed_kmh") == 117.482112)  // 73 mph
            #expect(speed.timestamp == 1_441_730_340_000)      // 2015-09-08 11:39 CDT
        case .citypulseAarhus:
            #expect(Set(result.events.map(\.kind)) == [.traffic, .parking, .environment])
        }
    }

    /// Three Birmingham car parks through the default pipeline: the exact alerts, explained one by
    /// one in docs/real-data.md ("The golden test").
    @Test("the default pipeline's alerts on three Birmingham car parks match the golden file")
    func golden() throws {
        var result = try RealDataset.parkingBirmingham.load(from: Self.data)
        result.events = result.events.filter { ["bhmbccmkt01", "bhmncpnst01", "others-cccps105a"].contains($0.sensor) }
        #expect(result.events.count == 3_936)
        let sink = CollectingSink()
        let dispatcher = AlertDispatcher(sinks: [sink], deterministic: true)
        let engine = StreamEngine(pipeline: try BuiltInPipeline.city(), partitions: 2) { dispatcher.handle($0) }
        engine.submit(result.events)
        engine.finish()
        dispatcher.drain()
        let golden = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden/birmingham-three-car-parks.alerts.jsonl"), encoding: .utf8)
        #expect(sink.alerts.map(\.json).joined(separator: "\n") + "\n" == golden)
    }

    /// The default pipeline on the Minnesota detectors (5-minute readings, gaps up to days),
    /// scored against hand-made labels (`Labels/traffic-minnesota.labels.json`, explained in
    /// docs/detection.md): it finds the speed collapses and stays quiet on the occupancy
    /// detector's daily rush.
    @Test("the default pipeline finds the Minnesota speed collapses with no false speed alerts")
    func minnesotaDetection() throws {
        let result = try RealDataset.trafficMinnesota.load(from: Self.data)
        let sink = AlertCollector()
        let dispatcher = AlertDispatcher(sinks: [sink], deterministic: true)
        let engine = StreamEngine(pipeline: try BuiltInPipeline.city(), partitions: 2) { dispatcher.handle($0) }
        engine.submit(result.events)
        engine.finish()
        dispatcher.drain()
        let labelURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Labels/traffic-minnesota.labels.json")
        let labels = try LabelFile.parse(try Data(contentsOf: labelURL), file: "labels", timeZone: "America/Chicago")
        #expect(labels.windows.count == 6 && labels.sensors == ["mn-7578", "mn-6005"])
        let scores = DetectionEvaluation.score(alerts: sink.alerts, labels: labels.windows, labelledSensors: labels.sensors)
        let speed = try #require(scores.first { $0.rule == "traffic-speed-drop" })
        #expect(speed.found == 4 && speed.falseAlerts == 0)
        let all = try #require(scores.last)
        #expect(all.rule == "*" && all.found == 5 && all.missed == 1)
        // Detection rules other than silence: at most one false alert per sensor-week (the data
        // covers 3.6 sensor-weeks).
        let detection = sink.alerts.filter { $0.state == .raised && $0.rule != "traffic-detector-silent" }
        let falseDetections = DetectionEvaluation.score(alerts: detection, labels: labels.windows, labelledSensors: labels.sensors).last?.falseAlerts
        #expect(falseDetections == 2)
    }
}
