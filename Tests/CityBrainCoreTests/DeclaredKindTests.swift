@testable import CityBrainCore
import Foundation
import Testing

/// Kinds a pipeline declares (`kinds:`): new feeds — water gauges, waste bins — with no code change.
@Suite("Declared kinds")
struct DeclaredKindTests {
    static let water = """
    kinds:
      water:
        description: River and canal gauges
        measurements:
          level_cm: { unit: cm, range: [-500, 2000], description: Height above the gauge datum }
      waste-bin:
        measurements:
          fill_pct: { unit: "%", range: [0, 100] }
    rules:
      - name: river-high
        match: { kind: water }
        window: { tumbling: 5m }
        when: max(level_cm) > 300
        clear_when: max(level_cm) < 250
        department: water-authority
      - name: bin-full
        match: { kind: waste-bin }
        window: { tumbling: 1h }
        when: max(fill_pct) >= 90
        department: sanitation
    """

    static func gauge(_ level: Double, at minutes: Int64, sensor: String = "gauge-7") -> Event {
        Event(kind: EventKind(rawValue: "water")!, sensor: sensor, district: "river", timestamp: Fixture.base + minutes * 60_000,
              readings: [Reading("level_cm", level)])
    }

    @Test("a declared kind's rules raise and resolve exactly as a built-in kind's do")
    func declaredKindRaisesAndResolves() throws {
        let harness = try EngineHarness(yaml: Self.water)
        #expect(harness.engine.pipeline.knownKinds.map(\.rawValue) == ["traffic", "parking", "environment", "water", "waste-bin"])
        let bin = Event(kind: EventKind(rawValue: "waste-bin")!, sensor: "bin-3", district: "old-town", timestamp: Fixture.base,
                        readings: [Reading("fill_pct", 95)])
        // Rising, over the line for two windows, back under it; a glitch of 9999 cm is out of the declared range.
        harness.feed([bin, Self.gauge(120, at: 0), Self.gauge(280, at: 5), Self.gauge(9_999, at: 6), Self.gauge(320, at: 10),
                      Self.gauge(340, at: 15), Self.gauge(200, at: 20), Self.gauge(190, at: 25)])
        let alerts = harness.finish()
        #expect(RuleKindTests.summary(alerts) == [
            "river-high raised gauge-7 @900s warning", "river-high resolved gauge-7 @1500s warning", "bin-full raised bin-3 @3600s warning",
        ])
        #expect(alerts.first?.kind.rawValue == "water")
        #expect(alerts.first?.department == "water-authority")
        #expect(harness.engine.statistics.outOfRangeReadings == 1)
    }

    @Test("a kind declared in one file may be watched by a rule in another, and bounded as a watermark source")
    func kindAcrossFiles() throws {
        let pipeline = try PipelineLoader.load([
            PipelineSource(name: "rules.yaml", text: """
            watermark: { sources: { water: 10m } }
            rules:
              - { name: river-high, match: { kind: water }, window: { tumbling: 5m }, when: max(level_cm) > 300, department: water-authority }
            """),
            PipelineSource(name: "kinds.yaml", text: """
            kinds:
              water: { measurements: { level_cm: { unit: cm } } }
            outputs:
              - { name: river-levels, match: { kind: water }, window: { tumbling: 15m }, aggregates: [max(level_cm)] }
            """),
        ])
        #expect(pipeline.kinds.map(\.kind.rawValue) == ["water"])
        #expect(pipeline.watermark.sources[EventKind(rawValue: "water")!] == 600_000)
        #expect(pipeline.measurements.map(\.name) == ["level_cm"])
    }

    @Test("kind declarations are checked: a misspelt kind, a bad name, a built-in redeclared, no measurements, a duplicate measurement")
    func declarationErrors() {
        let error = #expect(throws: PipelineErrors.self) {
            try PipelineLoader.load(yaml: """
            kinds:
              water:
                measurements: { level_cm: { unit: cm } }
              Water.Gauge: { measurements: { level_cm: {} } }
              traffic: { measurements: { queue_m: {} } }
              bins: { description: nothing to measure }
              lamp: { colour: amber, measurements: { on: {} } }
            measurements:
              watr: { depth_cm: {} }
              water: { level_cm: { unit: m } }
            rules:
              - { name: river-high, match: { kind: watre }, window: { tumbling: 5m }, when: max(level_cm) > 300, department: w }
            """, file: "k.yaml")
        }
        let messages = error?.diagnostics.map(\.description) ?? []
        #expect(messages.contains { $0.contains("measurement 'level_cm' of water is already declared") })
        #expect(messages.contains { $0.contains("kind name 'Water.Gauge' must be 1–32 characters of a-z, 0-9, '_' and '-', starting with a letter") })
        #expect(messages.contains { $0.contains("'traffic' is a built-in kind; add measurements to it under 'measurements: traffic:'") })
        #expect(messages.contains { $0.contains("kind 'bins' declares no measurements") })
        #expect(messages.contains { $0.contains("unknown field 'colour' in kind 'lamp'") })
        #expect(messages.contains { $0.contains("unknown kind 'watr' under 'measurements', did you mean 'water'?") })
        #expect(messages.contains { $0.hasPrefix("k.yaml:12:") && $0.contains("unknown kind 'watre' in 'match', did you mean 'water'?") })
    }

    @Test("the decoder accepts exactly the kinds its pipeline knows; any other is unknown_kind naming the known ones")
    func decoderKinds() throws {
        let pipeline = try PipelineLoader.load(yaml: Self.water)
        let frame = Array(#"{"kind":"water","sensor":"gauge-7","ts":1732270000000,"level_cm":312.5}"#.utf8)
        let topic = Array("water.river.gauge-7".utf8)
        let event = try EventDecoder(kinds: pipeline.knownKinds).decode(json: frame, topic: topic)
        #expect(event.kind.rawValue == "water")
        #expect(event.district == "river")
        #expect(event.value("level_cm") == 312.5)

        let rejection = #expect(throws: FrameRejection.self) { try EventDecoder().decode(json: frame) }
        #expect(rejection?.reason == .unknownKind)
        #expect(rejection?.detail == "unknown kind 'water'; expected one of traffic, parking, environment")
        let other = #expect(throws: FrameRejection.self) {
            try EventDecoder(kinds: pipeline.knownKinds).decode(json: Array(#"{"kind":"lamp","sensor":"l-1","ts":1732270000000,"on":1}"#.utf8))
        }
        #expect(other?.detail == "unknown kind 'lamp'; expected one of traffic, parking, environment, waste-bin, water")
    }

    @Test("a declared kind keeps its own watermark bound and survives a checkpoint")
    func watermarkAndCheckpoint() throws {
        let yaml = """
        watermark: { max_out_of_orderness: 0s, sources: { water: 10m, traffic: 0s } }
        """ + "\n" + Self.water
        let pipeline = try PipelineLoader.load(yaml: yaml)
        var tracker = WatermarkTracker(pipeline.watermark, kinds: pipeline.knownKinds)
        let water = EventKind(rawValue: "water")!
        #expect(tracker.observe(Fixture.base + 3_600_000, kind: water) == Fixture.base + 3_000_000)
        #expect(tracker.observe(Fixture.base + 3_600_000, kind: .traffic) == Fixture.base + 3_000_000)  // the slower source holds it back

        var writer = CheckpointWriter()
        tracker.write(to: &writer)
        var restored = WatermarkTracker(pipeline.watermark, kinds: pipeline.knownKinds)
        var reader = CheckpointReader(writer.bytes)
        try restored.restore(from: &reader)
        #expect(restored.watermark == tracker.watermark)
        #expect(restored.observe(Fixture.base + 4_200_000, kind: water) == Fixture.base + 3_600_000)
    }
}
