import Foundation
import Testing

@Suite("citybrain command line")
struct CommandLineTests {
    @Test("every subcommand has --help", arguments: ["", "demo", "run", "simulate", "tail", "validate"])
    func help(subcommand: String) throws {
        let result = try CommandRunner.run((subcommand.isEmpty ? [] : [subcommand]) + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: citybrain"))
    }

    @Test("validate: exit 0 and a summary for a good file; exit 1 and positioned errors for a bad one")
    func validate() throws {
        let good = try CommandRunner.run(["validate", "Pipelines/city.yaml"])
        #expect(good.status == 0)
        #expect(good.stdout == "Pipelines/city.yaml: ok, 3 rule(s): traffic-congestion → traffic-police, parking-nearly-full → parking-management, air-quality-pm25 → environment-bureau\n")

        let path = NSTemporaryDirectory() + "citybrain-bad-\(UUID().uuidString).yaml"
        try """
        rules:
          - name: slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed) < 20
            department: traffic-police
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bad = try CommandRunner.run(["validate", path])
        #expect(bad.status == 1)
        #expect(bad.stdout == "\(path):5:16: error: unknown field 'speed' for kind traffic (known fields: flow_vph, occupancy, speed_kmh)\n")
        #expect(bad.stderr == "1 error\n")

        let missing = try CommandRunner.run(["validate", "/nonexistent.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("/nonexistent.yaml: error: cannot read the pipeline file"))
    }

    @Test("usage errors exit 64 with a message a person can act on")
    func usageErrors() throws {
        let nothing = try CommandRunner.run(["run"])
        #expect(nothing.status == 64)
        #expect(nothing.stderr.contains("nothing to read: give --feed ENDPOINT"))
        let both = try CommandRunner.run(["run", "--input", "x.jsonl", "--feed", "tcp://127.0.0.1:1"])
        #expect(both.status == 64)
        let badRate = try CommandRunner.run(["simulate", "--rate", "0"])
        #expect(badRate.status == 64)
        #expect(badRate.stderr.contains("--rate must be a positive number"))
    }

    @Test("run --input gives byte-identical alerts on every run and with any partition count")
    func deterministicOffline() throws {
        let directory = NSTemporaryDirectory() + "citybrain-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let feed = directory + "/city.jsonl"
        let simulate = try CommandRunner.run([
            "simulate", "--output", feed, "--duration", "1800", "--sensors", "120", "--rate", "20",
            "--seed", "4", "--jitter-ms", "2000", "--start", "1732269600000",
        ])
        #expect(simulate.status == 0)
        #expect(simulate.stderr.contains("wrote 36000 events covering 30m of event time"))
        // A few bad lines in the middle must not change anything else.
        var lines = try String(contentsOfFile: feed, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines.insert("{broken", at: 500)
        lines.insert(#"{"kind":"traffic","sensor":"x","ts":1732269600000,"speed_kmh":NaN}"#, at: 900)
        try lines.joined(separator: "\n").write(toFile: feed, atomically: true, encoding: .utf8)

        let first = try CommandRunner.run(["run", "--input", feed, "--deterministic", "--partitions", "1"])
        let second = try CommandRunner.run(["run", "--input", feed, "--deterministic", "--partitions", "3", "--output", directory + "/alerts.jsonl"])
        #expect(first.status == 0)
        #expect(second.status == 0)
        let written = try String(contentsOfFile: directory + "/alerts.jsonl", encoding: .utf8)
        #expect(first.stdout == written)
        let alertLines = written.split(separator: "\n")
        #expect(alertLines.count == 8)  // four incidents, each raised and resolved
        #expect(alertLines.first?.hasPrefix(#"{"seq":1,"id":"traffic-congestion:"#) == true)
        #expect(!written.contains("emitted_at"))
        #expect(first.stderr.contains("done: 36000 event(s), 2 rejected (malformed_json=1 non_finite=1), 0 late, 0 window result(s), 8 alert(s)"))
        #expect(first.stderr.contains("\(feed):501: malformed_json"))
    }
}
