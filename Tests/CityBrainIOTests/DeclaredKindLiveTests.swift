import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Testing
import ZeroMQ

@Suite("Declared kinds, live")
struct DeclaredKindLiveTests {
    static let waterRules = BuiltInPipeline.cityYAML + """

      - name: river-high
        match: { kind: water }
        window: { tumbling: 5m }
        when: max(level_cm) > 300
        department: water-authority
    kinds:
      water:
        description: River gauges
        measurements:
          level_cm: { unit: cm, range: [-500, 2000] }
    """

    @Test("a feed of a kind the pipeline does not know is rejected as unknown_kind; after a reload that declares it, it is watched")
    func reloadDeclaresKind() throws {
        let directory = try makeTemporaryDirectory("kinds")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let feed = "ipc://\(directory)/feed.ipc"
        let sink = CollectingSink()
        let live = try cityPipeline(context: context, feed: feed, sinks: [sink])
        let push = try Socket(context, .push)
        try push.connect(feed)
        func gauge(_ level: Double, minute: Int64) throws {
            let json = #"{"kind":"water","sensor":"gauge-7","district":"river","ts":\#(1_732_269_600_000 + minute * 60_000),"level_cm":\#(level)}"#
            _ = try push.send("water.river.gauge-7", more: true)
            _ = try push.send(json)
        }

        try gauge(350, minute: 0)
        #expect(eventually { live.status.ingest.rejected[.unknownKind] == 1 })

        let pipeline = try PipelineLoader.load(yaml: Self.waterRules, file: "city.yaml")
        #expect(live.reload(pipeline).added == ["river-high"])
        for (minute, level) in [(1, 320.0), (6, 340), (11, 200), (16, 180)] { try gauge(level, minute: Int64(minute)) }
        #expect(eventually { live.status.ingest.accepted == 4 })
        live.stop()
        #expect(live.status.ingest.rejected[.unknownKind] == 1)
        let river = sink.alerts.filter { $0.rule == "river-high" }
        #expect(river.map { "\($0.state) \($0.sensor ?? "-") \($0.kind) \($0.department)" } == [
            "raised gauge-7 water water-authority", "resolved gauge-7 water water-authority",
        ])
    }
}
