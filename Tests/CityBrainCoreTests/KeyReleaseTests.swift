@testable import CityBrainCore
import Testing

/// A shard whose plan changed gives up the keys another shard now watches.
@Suite("Releasing keys another shard owns")
struct KeyReleaseTests {
    static let yaml = """
    rules:
      - name: slow
        match: { kind: traffic }
        window: { tumbling: 1m }
        when: mean(speed_kmh) < 20
        department: traffic-police
      - name: silent
        kind: silent
        after: 5m
        match: { kind: traffic }
        department: traffic-operations
      - name: district-slow
        match: { kind: traffic }
        key_by: district
        window: { tumbling: 1m }
        when: mean(speed_kmh) < 20
        department: traffic-police
    """

    /// Keeps district d01 only.
    static let keepD01 = KeyOwnership(reason: "moved to shard-1", ownsSensor: { _, district in district == "d01" },
                                      ownsDistrict: { $0 == "d01" })

    @Test("after a release, the given-up sensors' open alerts are resolved with the reason, their windows do not fire, and they are never reported silent")
    func released() throws {
        let harness = try EngineHarness(yaml: Self.yaml)
        // Minute 0: a slow sensor in each district; minute 1 closes minute 0's windows.
        harness.feed([Fixture.traffic("a", at: 10, speed: 10, district: "d01"), Fixture.traffic("b", at: 10, speed: 10, district: "d02"),
                      Fixture.traffic("a", at: 70, speed: 50, district: "d01"), Fixture.traffic("b", at: 70, speed: 10, district: "d02")])
        #expect(RuleKindTests.summary(harness.alerts).sorted() == [
            "district-slow raised d01 @60s warning", "district-slow raised d02 @60s warning",
            "slow raised a @60s warning", "slow raised b @60s warning",
        ])
        let keysBefore = harness.engine.statistics.keys
        harness.engine.release(keysNotOwnedBy: Self.keepD01)
        harness.engine.drain()
        #expect(harness.engine.statistics.keys == keysBefore - 2)  // sensor b and district d02
        let resolved = harness.alerts.dropFirst(4)
        #expect(RuleKindTests.summary(Array(resolved)).sorted() == ["district-slow resolved d02 @65s warning", "slow resolved b @65s warning"])
        // At the watermark (the newest event, 70 s, less the default 5 s of disorder).
        #expect(resolved.allSatisfy { $0.message.hasSuffix("moved to shard-1") })
        // Sensor a goes on for an hour; b's minute-1 window never fires, and b is never silent.
        harness.feed((2..<60).map { Fixture.traffic("a", at: Double($0) * 60 + 10, speed: 50, district: "d01") })
        let later = Array(harness.finish().dropFirst(6))
        #expect(RuleKindTests.summary(later).sorted() == ["district-slow resolved d01 @120s warning", "slow resolved a @120s warning"])
    }

    @Test("a sensor given up and seen again starts afresh, as a new key")
    func seenAgain() throws {
        let harness = try EngineHarness(yaml: Self.yaml)
        harness.feed([Fixture.traffic("b", at: 10, speed: 10, district: "d02")])
        harness.engine.release(keysNotOwnedBy: Self.keepD01)
        harness.feed([Fixture.traffic("b", at: 130, speed: 10, district: "d02"), Fixture.traffic("b", at: 190, speed: 50, district: "d02")])
        // Minute 0's window was dropped; minute 2's is slow (raised at 180 s), minute 3's resolves it.
        let summary = RuleKindTests.summary(harness.finish().filter { $0.rule == "slow" })
        #expect(summary == ["slow raised b @180s warning", "slow resolved b @240s warning"])
    }
}
