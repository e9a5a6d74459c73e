import CityBrainCore
import Foundation
import Testing

@Suite("Pipeline loader")
struct PipelineLoaderTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the default pipeline uses every rule kind and routes to the four departments and the duty desk")
    func defaultPipeline() throws {
        let text = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("Pipelines/city.yaml"), encoding: .utf8)
        let pipeline = try PipelineLoader.load(yaml: text, file: "Pipelines/city.yaml")
        #expect(pipeline.name == "city")
        #expect(pipeline.watermark == WatermarkPolicy(maxOutOfOrderness: 5_000))
        let congestion = try #require(pipeline.rules.first)
        #expect(congestion.name == "traffic-congestion")
        #expect(congestion.department == "traffic-police")
        #expect(congestion.aggregation.window == WindowPolicy(.tumbling(size: 60_000)))
        let kinds = pipeline.rules.map { rule -> String in
            switch rule.kind {
            case .threshold: "threshold"
            case .sustained: "sustained"
            case .outlier: "outlier"
            case .silent: "silent"
            case .anomaly: "anomaly"
            case .stuck: "stuck"
            case .trend: "trend"
            }
        }
        #expect(Set(kinds) == ["threshold", "sustained", "anomaly", "stuck", "trend", "silent"])
        #expect(Set(pipeline.rules.map(\.department) + pipeline.correlations.map(\.department))
                == ["traffic-police", "traffic-operations", "parking-management", "environment-bureau", "city-operations"])
        #expect(pipeline.correlations.map(\.name) == ["divert-to-park-and-ride", "district-air-episode", "district-detectors-stuck", "district-detectors-silent"])
        #expect(pipeline.defaultStorm == StormPolicy(limit: 20, window: 60_000))
        #expect(pipeline.departments["traffic-police"] == StormPolicy(limit: 20, window: 60_000))
    }

    @Test("the built-in copy equals Pipelines/city.yaml")
    func builtInMatchesFile() throws {
        let text = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("Pipelines/city.yaml"), encoding: .utf8)
        #expect(BuiltInPipeline.cityYAML == text, "paste Pipelines/city.yaml into BuiltInPipeline.swift")
        #expect(try BuiltInPipeline.city().rules.count == 14)
    }

    @Test("every error is reported with file, line and column, sorted by position")
    func diagnostics() {
        let yaml = """
        name: bad
        rules:
          - name: Congestion
            match: { kind: trafic }
            windw: { tumbling: 1m }
            when: mean(sped_kmh) < 20 and
            department: traffic police
          - name: ok-rule
            match: { kind: traffic }
            window: { tumbling: 1x }
            when: "meen(speed_kmh) < 20"
            severity: critcal
            department: traffic-police
            message: "at {sensr}"
        """
        #expect(throws: PipelineErrors.self) { try PipelineLoader.load(yaml: yaml, file: "bad.yaml") }
        do {
            _ = try PipelineLoader.load(yaml: yaml, file: "bad.yaml")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "bad.yaml:3:5: error: rule 'Congestion' is missing required field 'window' (e.g. window: { tumbling: 1m })",
                "bad.yaml:3:11: error: rule name 'Congestion' may use only a-z, 0-9, '-', '_' and '.'",
                "bad.yaml:4:20: error: unknown kind 'trafic' in 'match', did you mean 'traffic'? (kinds: traffic, parking, environment; declare others under 'kinds:')",
                "bad.yaml:5:5: error: unknown field 'windw' in threshold rule, did you mean 'window'? (expected one of name, kind, description, match, key_by, severity, escalate, cooldown, department, max_open, message, resolve_message, window, when, clear_when)",
                "bad.yaml:6:34: error: expected a number, a field or a function call, found the end of the expression",
                "bad.yaml:7:17: error: department 'traffic police' must not contain '.' or spaces: it is part of the topic alert.<department>.<severity>",
                "bad.yaml:10:25: error: 'tumbling' must be a duration such as 500ms, 5s, 1m or 1h, found '1x'",
                "bad.yaml:11:12: error: unknown aggregate 'meen', did you mean 'mean'? (aggregates: count, sum, mean, min, max, stddev, stddev_pop, first, last, span, slope, slope_se, p50, p90, p95, p99, distinct)",
                "bad.yaml:12:15: error: unknown severity 'critcal', did you mean 'critical'? (expected one of info, warning, critical)",
                "bad.yaml:14:19: error: in message: unknown placeholder '{sensr}', did you mean 'sensor'?",
            ])
        }
    }

    @Test("YAML syntax errors carry the parser's position")
    func yamlSyntax() {
        do {
            _ = try PipelineLoader.load(yaml: "rules:\n  - name: x\n   bad: [\n", file: "broken.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics[0].file == "broken.yaml")
            #expect(error.diagnostics[0].message.hasPrefix("YAML syntax: "))
            #expect(error.diagnostics[0].line >= 2)
        }
    }

    @Test("several files load as one pipeline; names must be unique and watermark set once")
    func severalFiles() throws {
        let traffic = PipelineSource(name: "traffic.yaml", text: """
        watermark: { max_out_of_orderness: 2s }
        rules:
          - { name: slow, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 20, department: traffic-police }
        """)
        let parking = PipelineSource(name: "parking.yaml", text: """
        rules:
          - { name: full, match: { kind: parking }, window: { tumbling: 1m }, when: max(occupied) >= max(capacity), department: parking-management }
        """)
        let pipeline = try PipelineLoader.load([traffic, parking])
        #expect(pipeline.rules.map(\.name) == ["slow", "full"])
        #expect(pipeline.watermark.maxOutOfOrderness == 2_000)

        let clash = PipelineSource(name: "clash.yaml", text: """
        watermark: { max_out_of_orderness: 1s }
        rules:
          - { name: slow, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 10, department: traffic-police }
        """)
        #expect(throws: PipelineErrors.self) { try PipelineLoader.load([traffic, clash]) }
        do { _ = try PipelineLoader.load([traffic, clash]) } catch {
            #expect(error.diagnostics.map(\.description) == [
                "clash.yaml:1:12: error: 'watermark' is already set in traffic.yaml; set it in one file only",
                "clash.yaml:3:13: error: name 'slow' is already used at traffic.yaml:3",
            ])
        }
    }

    @Test("an empty file or one without rules is an error, not an empty pipeline")
    func empty() {
        #expect(throws: PipelineErrors.self) { try PipelineLoader.load(yaml: "", file: "empty.yaml") }
        #expect(throws: PipelineErrors.self) { try PipelineLoader.load(yaml: "rules: []", file: "none.yaml") }
        #expect(throws: PipelineErrors.self) { try PipelineLoader.load(yaml: "- just\n- a list", file: "list.yaml") }
    }

    @Test("durations", arguments: [("500ms", 500), ("5s", 5_000), ("1m", 60_000), ("1m30s", 90_000), ("2h", 7_200_000), ("1.5s", 1_500)] as [(String, Int64)])
    func durations(text: String, milliseconds: Int64) {
        #expect(DurationText.milliseconds(text) == milliseconds)
        #expect(DurationText.milliseconds(DurationText.format(milliseconds)) == milliseconds)
    }

    @Test("not durations", arguments: ["", "5", "5x", "m", "-1s", "1s2"])
    func notDurations(text: String) {
        #expect(DurationText.milliseconds(text) == nil)
    }
}
