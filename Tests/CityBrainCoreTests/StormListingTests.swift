@testable import CityBrainCore
import Testing

@Suite("The sensors a storm or a grouped alert lists")
struct StormListingTests {
    @Test("the first of the distinct names in sorted order, and how many distinct ones there are", arguments: [0, 7, 1_000, 1_001, 6_000])
    func listed(count: Int) {
        var random = SeededRandom(seed: UInt64(count) + 1)
        // Names repeat (a sensor raising twice), in no order.
        let names = (0..<count).map { _ in "seg-\(Int.random(in: 0..<max(1, count * 3 / 4), using: &random))" }
        let distinct = Array(Set(names)).sorted()
        let (listed, total) = AlertCorrelator.listed(names)
        #expect(listed == Array(distinct.prefix(AlertCorrelator.listedSensors)))
        #expect(total == distinct.count)
    }
}

@Suite("Storms over one instant's alerts")
struct StormInstantTests {
    func alert(_ id: String, _ state: AlertState, sensor: String, at ts: Int64) -> OutputRecord {
        .alert(Alert(id: id, rule: "r", state: state, severity: .warning, department: "d", key: sensor, sensor: sensor, district: nil,
                     kind: .traffic, windowStart: 0, windowEnd: ts, value: nil, threshold: nil, values: [], message: "", ts: ts))
    }

    @Test("an alert folded into a storm has its later changes withheld, in the same instant and after")
    func foldedAlertsUpdatesAreWithheld() {
        var correlator = AlertCorrelator(correlations: [], storms: ["d": StormPolicy(limit: 1, window: 60_000)])
        let first = correlator.process(OutputBatch(records: [
            alert("a", .raised, sensor: "s-a", at: 1_000),
            alert("b", .raised, sensor: "s-b", at: 1_000),
            alert("b", .updated, sensor: "s-b", at: 1_000),
        ], triggers: [1, 2, 3]))
        #expect(first.alerts.map { "\($0.id) \($0.state.rawValue)" } == ["a raised", "storm:d:0 raised"])
        #expect(first.triggers == [3, 3])
        let second = correlator.process(OutputBatch(records: [
            alert("b", .resolved, sensor: "s-b", at: 2_000), alert("a", .resolved, sensor: "s-a", at: 2_000),
        ], triggers: [4, 5]))
        #expect(second.alerts.map { "\($0.id) \($0.state.rawValue)" } == ["a resolved"])
    }
}
