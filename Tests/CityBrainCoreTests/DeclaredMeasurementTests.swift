@testable import CityBrainCore
import Foundation
import Testing

/// Any measurement, any kind: what a pipeline declares, rules may watch; what it does not is an
/// error with a suggestion.
@Suite("Declared measurements")
struct DeclaredMeasurementTests {
    static func summary(_ alerts: [Alert]) -> [String] { RuleKindTests.summary(alerts) }

    @Test("a pipeline may declare measurements; rules use them; an undeclared one is an error with a suggestion")
    func declaredMeasurements() throws {
        let harness = try EngineHarness(yaml: """
        measurements:
          environment:
            water_level_m: { unit: m, range: [-5, 20], description: Gauge height above datum }
        rules:
          - name: flood
            match: { kind: environment }
            window: { tumbling: 1m }
            when: max(water_level_m) > 4.5
            department: water-authority
          - name: link-slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(travel_time_s) > 600
            department: traffic-police
        """)
        let gauge = Event(kind: .environment, sensor: "gauge-1", district: "river", timestamp: Fixture.base,
                          readings: [Reading("water_level_m", 4.8)])
        let link = Event(kind: .traffic, sensor: "link-9", district: "d01", timestamp: Fixture.base + 1,
                         readings: [Reading("travel_time_s", 900)])
        harness.feed([gauge, link])
        #expect(Self.summary(harness.finish()).sorted() == ["flood raised gauge-1 @60s warning", "link-slow raised link-9 @60s warning"])

        let error = #expect(throws: PipelineErrors.self) {
            try PipelineLoader.load(yaml: """
            measurements:
              environment:
                water_level_m: { unit: m }
            rules:
              - name: flood
                match: { kind: environment }
                window: { tumbling: 1m }
                when: max(water_levl_m) > 4.5
                department: water-authority
            """, file: "m.yaml")
        }
        #expect(error?.diagnostics.map(\.description).first?.contains("unknown field 'water_levl_m' for kind environment, did you mean 'water_level_m'?") == true)
    }

    @Test("time zone and measurement declarations are checked: an unknown zone, a redeclared built-in, a bad name")
    func declarationErrors() throws {
        let error = #expect(throws: PipelineErrors.self) {
            try PipelineLoader.load(yaml: """
            timezone: Mars/Olympus
            measurements:
              traffic:
                speed_kmh: { unit: km/h }
                Bad-Name: { unit: x }
            rules: []
            """, file: "d.yaml")
        }
        let messages = error?.diagnostics.map(\.description) ?? []
        #expect(messages.contains { $0.hasPrefix("d.yaml:1:11: error: unknown time zone 'Mars/Olympus'") })
        #expect(messages.contains { $0.contains("'speed_kmh' is already a built-in measurement of traffic") })
        #expect(messages.contains { $0.contains("measurement name 'Bad-Name' may use only a-z, 0-9 and '_'") })
        let berlin = try PipelineLoader.load(yaml: """
        timezone: Europe/Berlin
        rules:
          - { name: slow, kind: anomaly, value: speed_kmh, seasonal: { slot: 1h }, match: { kind: traffic }, department: d }
        """)
        #expect(berlin.timeZone.identifier == "Europe/Berlin")
        guard case .anomaly(let settings) = berlin.rules.first?.kind else { Issue.record("not an anomaly rule"); return }
        #expect(settings.seasonal?.timeZone.identifier == "Europe/Berlin")  // profiles follow the city's time zone
        #expect(settings.seasonal?.slot == 3_600_000)
    }

    @Test("a reading outside its declared range is left out of the rules and counted; the event's other readings still count")
    func declaredRange() throws {
        let harness = try EngineHarness(yaml: """
        measurements:
          environment:
            water_level_m: { unit: m, range: [-5, 20] }
        rules:
          - name: flood
            match: { kind: environment }
            window: { tumbling: 1m }
            when: max(water_level_m) > 4.5
            department: water-authority
          - name: hot
            match: { kind: environment }
            window: { tumbling: 1m }
            when: max(temperature_c) > 40
            department: environment-bureau
        """)
        // A gauge glitch (999 m) beside a real heat reading; then a real flood reading.
        let glitch = Event(kind: .environment, sensor: "gauge-1", district: "river", timestamp: Fixture.base,
                           readings: [Reading("water_level_m", 999), Reading("temperature_c", 45)])
        let flood = Event(kind: .environment, sensor: "gauge-1", district: "river", timestamp: Fixture.base + 60_000,
                          readings: [Reading("water_level_m", 4.8)])
        harness.feed([glitch, flood])
        #expect(Self.summary(harness.finish()) == [
            "hot raised gauge-1 @60s warning", "flood raised gauge-1 @120s warning", "hot resolved gauge-1 @120s warning",
        ])
        #expect(harness.engine.statistics.outOfRangeReadings == 1)
    }
}
