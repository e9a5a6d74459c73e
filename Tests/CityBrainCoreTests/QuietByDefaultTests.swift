@testable import CityBrainCore
import Foundation
import Testing

/// Quiet by default: storm limits for every department, `max_open`, and one grouped alert for a
/// district- or city-wide event.
@Suite("Quiet by default")
struct QuietByDefaultTests {
    static func summary(_ alerts: [Alert]) -> [String] { RuleKindTests.summary(alerts) }

    @Test("a department without settings has the default storm limit")
    func defaultStorm() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            department: new-department
        """)
        harness.feed((0..<30).map { Fixture.traffic("seg-\($0)", at: 1, speed: 10) })
        let raises = harness.finish().filter { $0.state == .raised }
        #expect(raises.filter { $0.rule == "slow" }.count == 20)
        #expect(raises.filter { $0.rule == "storm" }.map(\.sensors?.count) == [10])
    }

    @Test("max_open folds raises beyond the cap into one grouped alert, resolved when its members resolve")
    func maxOpen() throws {
        let harness = try EngineHarness(yaml: """
        departments:
          default: { storm_limit: 1000 }
        rules:
          - name: slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            max_open: 2
            department: traffic-police
        """)
        var events = (0..<5).map { Fixture.traffic("seg-\($0)", at: 1, speed: 10) }
        events += (0..<5).map { Fixture.traffic("seg-\($0)", at: 61, speed: 50) }
        harness.feed(events)
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == [
            "slow raised seg-0 @60s warning", "slow raised seg-1 @60s warning",
            "slow raised grouped @60s warning",
            "slow resolved seg-0 @120s warning", "slow resolved seg-1 @120s warning", "slow resolved grouped @120s warning",
        ])
        #expect(alerts[2].sensors == ["seg-2", "seg-3", "seg-4"])
    }

    @Test("a city-wide jam folds thousands of raises of one instant into one storm alert and one grouped alert")
    func cityWideJam() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            department: traffic-police
          - name: crawling
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 15
            max_open: 5
            department: road-works
        """)
        let sensors = 3_000
        var events = (0..<sensors).map { Fixture.traffic("seg-\($0)", at: 1, speed: 10) }
        events += (0..<sensors).map { Fixture.traffic("seg-\($0)", at: 61, speed: 12) }  // still jammed: updates only
        events += (0..<sensors).map { Fixture.traffic("seg-\($0)", at: 121, speed: 50) }
        harness.feed(events)
        let alerts = harness.finish()
        let storms = alerts.filter { $0.rule == "storm" }
        #expect(Self.summary(storms) == ["storm raised traffic-police @60s warning", "storm resolved traffic-police @180s warning"])
        // The field lists the first 1 000 names, sorted; the value and the message count them all.
        #expect(storms[0].sensors?.count == AlertCorrelator.listedSensors)
        #expect(storms[0].sensors == storms[0].sensors?.sorted())
        #expect(storms[0].value == Double(sensors - 20))
        #expect(storms[0].message.hasSuffix(" and \(sensors - 20 - 20) more"))
        let grouped = alerts.filter { $0.rule == "crawling" && $0.key == "grouped" }
        #expect(Self.summary(grouped) == ["crawling raised grouped @60s warning", "crawling resolved grouped @180s warning"])
        #expect(grouped[0].sensors?.count == AlertCorrelator.listedSensors)
        #expect(grouped[0].value == Double(sensors - 5))
        #expect(alerts.filter { $0.rule == "crawling" && $0.key != "grouped" }.count == 10)  // 5 raised, 5 resolved
    }

    @Test("a storm growing over many instants is updated when its size crosses a power of two, not at every instant")
    func stormUpdatesByMagnitude() throws {
        let harness = try EngineHarness(yaml: """
        departments:
          traffic-police: { storm_limit: 2, storm_window: 1h }
        rules:
          - name: slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            department: traffic-police
        """)
        // One more segment jams every minute: 40 raises, one per instant, in one storm bucket.
        var events: [Event] = []
        for minute in 0..<40 { events.append(Fixture.traffic("seg-\(minute)", at: Double(minute * 60 + 1), speed: 10)) }
        events.append(Fixture.traffic("probe", at: 41 * 60 + 1, speed: 50))
        harness.feed(events)
        let storms = harness.alerts.filter { $0.rule == "storm" }
        // Raises 1 and 2 pass; the storm begins with the third and grows to 38 grouped alerts.
        #expect(storms.map(\.state) == [.raised, .updated, .updated, .updated, .updated, .updated])
        #expect(storms.map { Int($0.value ?? 0) } == [1, 2, 4, 8, 16, 32])
        #expect(AlertCorrelator.sizeChangedEnough(from: 3, to: 4))
        #expect(!AlertCorrelator.sizeChangedEnough(from: 4, to: 7))
        #expect(AlertCorrelator.sizeChangedEnough(from: 8, to: 7))
    }
}
