@testable import CityBrainCore
import Testing

@Suite("Rules sharing window operators")
struct SharedOperatorTests {
    /// Rules and outputs over the same windows, some with the same aggregates, beside windows of
    /// other kinds, keys and filters.
    static let pipeline = """
    watermark: { max_out_of_orderness: 5s }
    rules:
      - { name: slow, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 30, clear_when: mean(speed_kmh) > 40, department: d }
      - { name: slow-3, kind: sustained, for: 3, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 30, department: d }
      - { name: busy, match: { kind: traffic }, window: { tumbling: 1m }, when: max(occupancy) > 0.8 and count() >= 3, department: d }
      - { name: falling, kind: rate, field: speed_kmh, below: -0.2, match: { kind: traffic }, window: { tumbling: 1m }, department: d }
      - { name: slow-north, match: { kind: traffic, district: d1 }, window: { tumbling: 1m }, when: mean(speed_kmh) < 30, department: d }
      - { name: slow-5m, match: { kind: traffic }, window: { sliding: { size: 5m, slide: 1m } }, when: mean(speed_kmh) < 35, department: d }
      - { name: jam-session, match: { kind: traffic }, window: { session: { gap: 20s } }, when: mean(speed_kmh) < 25 and count() >= 4, department: d }
      - { name: speed-drop, kind: anomaly, value: speed_kmh, direction: below, z: 4, match: { kind: traffic }, department: d }
      - { name: speed-stuck, kind: stuck, field: speed_kmh, for: 2m, readings: 4, match: { kind: traffic }, department: d }
      - { name: quiet, kind: silent, after: 3m, match: { kind: traffic }, department: d }
      - { name: quiet-too, kind: silent, after: 3m, match: { kind: traffic }, department: d }
    outputs:
      - { name: speed, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [mean(speed_kmh), p95(speed_kmh)] }
      - { name: districts, match: { kind: traffic }, key_by: district, window: { tumbling: 1m }, aggregates: [distinct(sensor), mean(speed_kmh)] }
      - { name: speed-5m, match: { kind: traffic }, window: { sliding: { size: 5m, slide: 1m } }, aggregates: [min(speed_kmh), mean(speed_kmh)] }
    """

    @Test("steps with the same match, key and window form one group: the union of their inputs and aggregates, each once")
    func plan() throws {
        let pipeline = try PipelineLoader.load(yaml: Self.pipeline)
        let plan = OperatorPlan(pipeline.aggregations)
        let names = pipeline.aggregations.map(\.name)
        let groups = plan.groups.map { $0.members.map { names[$0.step] } }
        #expect(groups == [
            ["slow", "slow-3", "busy", "falling", "speed"],
            ["slow-north"],                       // narrower match
            ["slow-5m", "speed-5m"],
            ["jam-session"],
            ["speed-drop"], ["speed-stuck"],      // per-reading rules are not shared
            ["quiet"], ["quiet-too"],             // nor silence trackers
            ["districts"],                        // another key
        ])
        // Every step is in exactly one group.
        let groupOfStep = pipeline.aggregations.indices.map { step in plan.groups.firstIndex { $0.members.contains { $0.step == step } } }
        #expect(groupOfStep == [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0, 8, 2])
        #expect(plan.groups.map(\.members.count).reduce(0, +) == pipeline.aggregations.count)
        // `mean(speed_kmh)` of slow, slow-3 and speed is one aggregate of one input.
        let tumbling = plan.groups[0]
        #expect(tumbling.aggregation.slots.filter { $0.name == "mean(speed_kmh)" }.count == 1)
        #expect(Set(tumbling.aggregation.slots.map(\.name)).count == tumbling.aggregation.slots.count)
        // Each member reads its own slots, in its own order.
        for member in tumbling.members {
            let own = pipeline.aggregations[member.step].slots.map(\.name)
            #expect(member.slots.map { $0.map { tumbling.aggregation.slots[$0].name } } == own)
        }
        #expect(plan.groups[1].members[0].slots == nil)  // a group of one passes its results as they are
    }

    @Test("every rule and output emits exactly what it emits when it runs alone", arguments: [1, 2] as [UInt64])
    func sameAsAlone(seed: UInt64) throws {
        let pipeline = try PipelineLoader.load(yaml: Self.pipeline)
        let events = Self.stream(seed: seed)
        let together = EngineHarness(pipeline, partitions: 2)
        together.feed(events, batchSize: 500)
        let all = together.finishRecords()
        #expect(all.compactMap(\.alert).count > 20)
        for (index, aggregation) in pipeline.aggregations.enumerated() {
            var alone = pipeline
            if index < pipeline.rules.count {
                alone.rules = [pipeline.rules[index]]
                alone.outputs = []
            } else {
                alone.rules = []
                alone.outputs = [pipeline.outputs[index - pipeline.rules.count]]
            }
            let harness = EngineHarness(alone, partitions: 2)
            harness.feed(events, batchSize: 500)
            let own = harness.finishRecords()
            #expect(!own.isEmpty, "\(aggregation.name) emits nothing: the comparison could not fail")
            #expect(Self.records(of: aggregation.name, in: all) == Self.records(of: aggregation.name, in: own), "\(aggregation.name)")
        }
    }

    @Test("a reload that changes a group's inputs keeps its windows: kept inputs whole, a new input from the reload on")
    func reloadKeepsWindows() throws {
        let before = """
        outputs:
          - { name: speed, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [mean(speed_kmh)] }
          - { name: peak, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [max(speed_kmh)] }
        """
        let after = """
        outputs:
          - { name: speed, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [mean(speed_kmh)] }
          - { name: busy, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [mean(occupancy), mean(speed_kmh)] }
          - { name: spread, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [p95(speed_kmh), min(speed_kmh)] }
        """
        let harness = try EngineHarness(yaml: before)
        // Two minutes at 10 km/h and occupancy 0.9, then three at 40 km/h and 0.1.
        harness.feed(stride(from: 0.0, to: 120, by: 10).map { Fixture.traffic("seg-1", at: $0, speed: 10, occupancy: 0.9) })
        let summary = harness.engine.reload(try PipelineLoader.load(yaml: after))
        #expect(summary.added == ["busy", "spread"] && summary.removed == ["peak"])
        harness.feed(stride(from: 120.0, to: 300, by: 10).map { Fixture.traffic("seg-1", at: $0, speed: 40, occupancy: 0.1) })
        _ = harness.finish()
        let results = Dictionary(uniqueKeysWithValues: harness.windowResults.map { ($0.output, $0) })
        // `speed` kept every window: 30 readings, (12 × 10 + 18 × 40) / 30 = 28.
        let speed = try #require(results["speed"])
        #expect(speed.count == 30 && speed.values.map(\.value) == [28])
        // `busy` reads the group's windows: its speed mean and the count are the group's, whole;
        // occupancy, an input new to the group, was aggregated from the reload on.
        let busy = try #require(results["busy"])
        #expect(busy.count == 30)
        #expect(busy.values.map(\.name) == ["mean(occupancy)", "mean(speed_kmh)"])
        let values = busy.values.compactMap(\.value)
        #expect(values.count == 2 && abs(values[0] - 0.1) < 1e-9 && values[1] == 28)
        // `spread` needs a quantile sketch of speed, which the group did not keep: the sketch
        // counts from the reload (every reading since is 40), while the speed's totals carry
        // over (the minimum of the whole window, and the count).
        let spread = try #require(results["spread"])
        let p95 = try #require(spread.values[0].value)
        #expect(spread.count == 30 && abs(p95 - 40) < 0.5 && spread.values[1].value == 10)
    }

    /// Three sensors every 5 s for 90 minutes, in order within the watermark bound, each pausing
    /// 30 s every 5 minutes (so sessions close): a slow spell with high occupancy from minute
    /// 75, starting mid-minute; a stuck stretch; a silent stretch; jitter throughout.
    static func stream(seed: UInt64) -> [Event] {
        var random = SeededRandom(seed: seed)
        var events: [Event] = []
        for step in 0..<1_080 {
            let at = Double(step) * 5
            guard step % 60 >= 6 else { continue }
            for sensor in 0..<3 {
                if sensor == 2, at >= 600, at < 900 { continue }  // silent for 5 minutes
                let slowFrom = 4_530 + Double(sensor) * 60
                let slow = at >= slowFrom && at < slowFrom + 300
                var speed = slow ? 12 + Double.random(in: 0...8, using: &random) : 50 + Double.random(in: -4...4, using: &random)
                if sensor == 1, at >= 1_000, at < 1_200 { speed = 42 }  // stuck
                let jitter = Double.random(in: -2...2, using: &random)
                events.append(Fixture.traffic("s\(sensor)", at: max(0, at + jitter), speed: (speed * 10).rounded() / 10,
                                              occupancy: slow ? 0.85 : 0.2, district: "d\(sensor % 2)"))
            }
        }
        return events
    }

    /// The records of one rule or output, in order.
    static func records(of name: String, in records: [OutputRecord]) -> [OutputRecord] {
        records.filter { record in
            switch record {
            case .alert(let alert): alert.rule == name
            case .window(let result): result.output == name
            case .late, .score: false
            }
        }
    }
}
