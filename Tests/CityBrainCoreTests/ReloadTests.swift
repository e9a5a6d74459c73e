import CityBrainCore
import Testing

@Suite("Hot reload")
struct ReloadTests {
    static let before = """
    rules:
      - { name: slow-3, kind: sustained, for: 3, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 20, department: traffic-police }
      - { name: slow, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 30, department: traffic-police }
      - { name: very-slow, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 40, department: traffic-police }
    outputs:
      - { name: speed, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [mean(speed_kmh)] }
    """

    static let after = """
    rules:
      - { name: slow-3, kind: sustained, for: 3, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 20, department: traffic-police }
      - { name: slow, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 25, department: traffic-police }
      - { name: crawling, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 15, department: traffic-police }
    outputs:
      - { name: speed, match: { kind: traffic }, window: { tumbling: 5m }, aggregates: [mean(speed_kmh)] }
    """

    @Test("unchanged rules keep their state, changed ones keep their open alerts, new ones start fresh, removed ones resolve")
    func keepsState() throws {
        let harness = try EngineHarness(yaml: Self.before)
        let minutes = { (range: Range<Int>) in
            range.flatMap { minute in stride(from: 0.0, to: 60, by: 10).map { Fixture.traffic("seg-1", at: Double(minute) * 60 + $0, speed: 10) } }
        }
        harness.feed(minutes(0..<2) + [Fixture.traffic("seg-1", at: 125, speed: 10)])  // minutes 0 and 1 close
        #expect(RuleKindTests.summary(harness.alerts) == ["slow raised seg-1 @60s warning", "very-slow raised seg-1 @60s warning"])

        let summary = harness.engine.reload(try PipelineLoader.load(yaml: Self.after))
        #expect(summary.kept == ["slow-3", "speed"])
        #expect(summary.changed == ["slow"])
        #expect(summary.added == ["crawling"])
        #expect(summary.removed == ["very-slow"])
        #expect(summary.description == "added: crawling; removed: very-slow; changed: slow; kept 2")

        harness.feed(minutes(2..<6))
        let alerts = harness.finish()
        #expect(RuleKindTests.summary(alerts) == [
            "slow raised seg-1 @60s warning", "very-slow raised seg-1 @60s warning",
            "very-slow resolved seg-1 @120s warning",   // removed: resolved at the reload, at the watermark
            "slow-3 raised seg-1 @180s warning",        // kept: its streak of two went on to three
            "crawling raised seg-1 @180s warning",      // new: raised at the first window it saw whole
        ])
        #expect(alerts[2].message == "Resolved: rule 'very-slow' was removed from the pipeline")
        // slow (changed) kept its open alert: no second raise for the same condition.
        #expect(alerts.filter { $0.rule == "slow" }.count == 1)
        // The 5-minute output window spans the reload and holds every event of [0, 5m): 12 + 1 + 18.
        let window = try #require(harness.windowResults.first)
        #expect(window.count == 31)
    }

    @Test("the watermark carries over a change of watermark policy")
    func watermarkPolicy() throws {
        let harness = try EngineHarness(yaml: Self.before)
        harness.feed([Fixture.traffic("seg-1", at: 600, speed: 50)])
        let mark = harness.engine.statistics.watermark
        harness.engine.reload(try PipelineLoader.load(yaml: "watermark: { max_out_of_orderness: 1m }\n" + Self.before))
        harness.feed([Fixture.traffic("seg-1", at: 601, speed: 50)])
        #expect(harness.engine.statistics.watermark == mark)  // would be 541 s under the new bound: it never goes back
    }
}
