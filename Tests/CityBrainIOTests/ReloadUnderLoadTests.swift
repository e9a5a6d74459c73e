import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Hot reload under load")
struct ReloadUnderLoadTests {
    @Test("reloading while events stream in loses nothing; a broken file is rejected and alerts go on")
    func underLoad() throws {
        let directory = try makeTemporaryDirectory("reload")
        defer { removeTemporaryDirectory(directory) }
        let path = directory + "/city.yaml"
        try BuiltInPipeline.cityYAML.write(toFile: path, atomically: true, encoding: .utf8)

        let logger = Logger(label: "reload")
        let context = try Context()
        let feed = "ipc://\(directory)/feed.ipc"
        let sink = CollectingSink()
        let live = try cityPipeline(context: context, feed: feed, sinks: [sink])
        let reloader = PipelineReloader(paths: [path], logger: logger) { live.reload($0) }

        var simulator = CitySimulator(sensors: 60, seed: 21, start: 1_732_269_600_000, reportInterval: 6_000)
        let events = simulator.events(until: 1_732_269_600_000 + 25 * 60_000)
        let push = try Socket(context, .push)
        try push.connect(feed)
        for (index, event) in events.enumerated() {
            try push.send(Message(EventEncoder.json(event)))
            switch index {
            case events.count / 4:
                try "rules: [ { name: broken, when: mean( } ]".write(toFile: path, atomically: true, encoding: .utf8)
                guard case .rejected(let problems) = reloader.reload() else { Issue.record("a broken file was accepted"); return }
                #expect(problems.first?.hasPrefix("\(path):1:") == true)
            case events.count / 2:
                try BuiltInPipeline.cityYAML.replacingOccurrences(of: "Congestion on {sensor} ({district}): mean speed {mean(speed_kmh)} km/h, occupancy",
                                                                     with: "Traffic jam on {sensor} ({district}): mean speed {mean(speed_kmh)} km/h, occupancy")
                    .write(toFile: path, atomically: true, encoding: .utf8)
                guard case .reloaded(let summary) = reloader.reload() else { Issue.record("the fixed file was rejected"); return }
                #expect(summary.changed == ["traffic-congestion"])
                #expect(summary.kept.count == 17)
            default:
                break
            }
        }
        #expect(eventually { live.status.ingest.accepted == events.count })
        live.stop()
        #expect(live.status.engine.events == events.count)

        // The same alerts as a run without reloads (the second jam's message has the new wording).
        let reference = CollectingSink()
        let dispatcher = AlertDispatcher(sinks: [reference], deterministic: true)
        let engine = StreamEngine(pipeline: try BuiltInPipeline.city(), partitions: 2) { dispatcher.handle($0) }
        engine.submit(events)
        engine.drain()
        dispatcher.drain()
        #expect(sink.alerts.map(ExpectedAlert.init) == reference.alerts.map(ExpectedAlert.init))
        #expect(sink.alerts.map(\.seq) == Array(1...UInt64(sink.alerts.count)))
        #expect(sink.alerts.contains { $0.message.hasPrefix("Traffic jam on") })
    }

    @Test("a watched file mounted from a Kubernetes ConfigMap (a ..data link swapped to a new directory) is seen to change")
    func configMapSwap() throws {
        let directory = try makeTemporaryDirectory("configmap")
        defer { removeTemporaryDirectory(directory) }
        // The kubelet's layout: city.yaml -> ..data/city.yaml, ..data -> ..2026_12_06_1, swapped atomically.
        let manager = FileManager.default
        for version in ["..2026_12_06_1", "..2026_12_06_2"] {
            try manager.createDirectory(atPath: directory + "/" + version, withIntermediateDirectories: true)
            try BuiltInPipeline.cityYAML.write(toFile: directory + "/" + version + "/city.yaml", atomically: false, encoding: .utf8)
        }
        // Same modification time on both versions: only the link tells them apart.
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        for version in ["..2026_12_06_1", "..2026_12_06_2"] {
            try manager.setAttributes([.modificationDate: time], ofItemAtPath: directory + "/" + version + "/city.yaml")
        }
        try manager.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..2026_12_06_1")
        try manager.createSymbolicLink(atPath: directory + "/city.yaml", withDestinationPath: "..data/city.yaml")
        let reloader = PipelineReloader(paths: [directory + "/city.yaml"], logger: Logger(label: "configmap")) { _ in ReloadSummary() }
        let before = reloader.fileStamps()
        #expect(before.first! != nil)
        #expect(reloader.fileStamps() == before)
        try manager.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..2026_12_06_2")
        #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
        #expect(reloader.fileStamps() != before)
    }
}
