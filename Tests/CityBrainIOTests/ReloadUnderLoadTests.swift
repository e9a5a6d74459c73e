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
        #expect(sink.alerts.map(ExpectedAlert.init) == reference.alerts.map(ExpectedAlert.init))
        #expect(sink.alerts.map(\.seq) == Array(1...UInt64(sink.alerts.count)))
        #expect(sink.alerts.contains { $0.message.hasPrefix("Traffic jam on") })
    }
}
