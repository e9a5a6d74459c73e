import CityBrainTesting
import Foundation
import Testing

/// docs/asyncapi.yaml and docs/schemas/ checked by standard validators from PyPI
/// (pydantic-asyncapi, jsonschema; `make test-deps` installs them under
/// `.build/schemathesis-venv`), and what CityBrain's encoders really write checked against the
/// schemas (Tests/Contract/validate.py).
@Suite("AsyncAPI contract")
struct AsyncAPIContractTests {
    static let root = ContractTools.repository

    @Test("the AsyncAPI document is valid, and its examples, the docs' examples and real output match the schemas")
    func contract() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ContractTools.python),
                     "the contract validators are missing: run `make test-deps` (it installs them from PyPI)")
        let directory = try makeTemporaryDirectory("asyncapi")
        defer { removeTemporaryDirectory(directory) }
        func file(_ name: String) -> String { directory + "/" + name }

        // Feeds in each text format, the same hour of a 30-sensor city (long enough for the
        // anomaly rules to warm up and score).
        for format in ["native", "senml", "ngsi-ld"] {
            let simulate = try CommandRunner.run(["simulate", "--output", file("\(format).jsonl"), "--sensors", "30", "--duration", "120", "--speed", "30",
                                                  "--feed-format", format])
            #expect(simulate.status == 0, "\(simulate.stderr)")
        }
        // Alerts (native and NGSI-LD), reading scores, window results.
        let alerts = try CommandRunner.run(["run", "--input", file("native.jsonl"), "--output", file("alerts.jsonl"), "--deterministic"])
        let entities = try CommandRunner.run(["run", "--input", file("native.jsonl"), "--output", file("ngsi-alerts.jsonl"), "--alert-format", "ngsi-ld"])
        let scores = try CommandRunner.run(["run", "--input", file("native.jsonl"), "--output", file("scores.jsonl"), "--emit", "scores"])
        let windows = try CommandRunner.run(["run", "--pipeline", "Pipelines/examples/windows.yaml", "--input", file("native.jsonl"),
                                             "--output", file("windows.jsonl"), "--emit", "windows"])
        for run in [alerts, entities, scores, windows] { #expect(run.status == 0, "\(run.stderr)") }

        let arguments = [Self.root.appendingPathComponent("Tests/Contract/validate.py").path, Self.root.appendingPathComponent("docs/asyncapi.yaml").path,
                         "--docs", Self.root.appendingPathComponent("docs/wire-format.md").path, Self.root.appendingPathComponent("docs/feed-formats.md").path,
                         "--lines", "event", file("native.jsonl"), "--lines", "senml-pack", file("senml.jsonl"),
                         "--lines", "ngsi-ld-entities", file("ngsi-ld.jsonl"), "--lines", "alert", file("alerts.jsonl"),
                         "--lines", "ngsi-ld-alert", file("ngsi-alerts.jsonl"), "--lines", "reading-score", file("scores.jsonl"),
                         "--lines", "window-result", file("windows.jsonl")]
        let result = try CommandRunner.runTool(ContractTools.python, arguments)
        let text = result.stdout + result.stderr
        #expect(result.status == 0, "\(text)")
        #expect(text.contains("valid AsyncAPI 3.0.0"))
        #expect(text.contains("line(s) checked against ngsi-ld-alert"))
    }
}
