import CityBrainTesting
import Foundation
import Testing

@Suite("citybrain command line")
struct CommandLineTests {
    @Test("every subcommand has --help", arguments: ["", "demo", "run", "simulate", "tail", "validate", "evaluate", "record", "replay", "import", "fuzz", "keygen", "bench", "checkpoint"])
    func help(subcommand: String) throws {
        let result = try CommandRunner.run((subcommand.isEmpty ? [] : [subcommand]) + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: citybrain"))
    }

    @Test("evaluate: a table of found, missed and false per rule; a bad label file is exit 1 with what and where")
    func evaluate() throws {
        let directory = try makeTemporaryDirectory("evaluate")
        defer { removeTemporaryDirectory(directory) }
        // Two segments every minute for two hours; seg-1 collapses to 12 km/h at 1:30 for 3 minutes.
        var lines: [String] = []
        let base: Int64 = 1_732_269_600_000
        for minute in 0..<120 {
            for sensor in ["seg-1", "seg-2"] {
                let speed = sensor == "seg-1" && (90..<93).contains(minute) ? 12.0 : 60.0 + Double((minute * 7 + sensor.count) % 5)
                lines.append(#"{"kind":"traffic","sensor":"\#(sensor)","district":"d01","ts":\#(base + Int64(minute) * 60_000),"speed_kmh":\#(speed)}"#)
            }
        }
        try lines.joined(separator: "\n").write(toFile: directory + "/feed.jsonl", atomically: true, encoding: .utf8)
        // 11:29–11:40 UTC on seg-1; seg-2 had no incident.
        try #"{"seg-1": [["2024-11-22 11:29:00", "2024-11-22 11:40:00"]], "seg-2": []}"#.write(toFile: directory + "/labels.json", atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["evaluate", "--input", directory + "/feed.jsonl", "--labels", directory + "/labels.json",
                                            "--rule", "traffic-speed-drop", "--log-level", "warning"])
        #expect(result.status == 0)
        #expect(result.stdout == """
        rule                windows  found  missed  false  median delay
        traffic-speed-drop        1      1       0      0            1m
        *                         1      1       0      0            1m

        """)

        try #"{"seg-1": [["2024-11-22 11:29:00"]]}"#.write(toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run(["evaluate", "--input", directory + "/feed.jsonl", "--labels", directory + "/bad.json"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(directory)/bad.json: 'seg-1' window 1: expected [start, end]"))
    }

    @Test("simulate --incidents writes the scripted incidents; the default pipeline finds every one of them with no false alert")
    func simulatorGroundTruth() throws {
        let directory = try makeTemporaryDirectory("truth")
        defer { removeTemporaryDirectory(directory) }
        let simulate = try CommandRunner.run(["simulate", "--output", directory + "/city.jsonl", "--incidents", directory + "/incidents.json",
                                              "--duration", "3600", "--sensors", "40", "--rate", "40"])
        #expect(simulate.status == 0)
        #expect(simulate.stderr.contains("wrote 8 scripted incident(s) to \(directory)/incidents.json"))
        let evaluate = try CommandRunner.run(["evaluate", "--input", directory + "/city.jsonl", "--labels", directory + "/incidents.json",
                                              "--json", "--log-level", "warning"])
        #expect(evaluate.status == 0)
        let scores = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [[String: Any]])
        let all = try #require(scores.last)
        #expect(all["rule"] as? String == "*")
        #expect(all["windows"] as? Int == 8 && all["found"] as? Int == 8 && all["falseAlerts"] as? Int == 0)

        let live = try CommandRunner.run(["simulate", "--incidents", directory + "/x.json"])
        #expect(live.status != 0)
        #expect(live.stderr.contains("--incidents needs --output"))
    }

    @Test("validate: exit 0 and a summary for a good file; exit 1 and positioned errors for a bad one")
    func validate() throws {
        let good = try CommandRunner.run(["validate", "Pipelines/city.yaml"])
        #expect(good.status == 0)
        #expect(good.stdout == "Pipelines/city.yaml: ok, 14 rule(s): traffic-congestion → traffic-police, traffic-congestion-persistent → traffic-police, traffic-speed-drop → traffic-police, traffic-occupancy-surge → traffic-police, traffic-travel-time-surge → traffic-police, traffic-heading-for-congestion → traffic-police, traffic-detector-stuck → traffic-operations, traffic-detector-silent → traffic-operations, parking-nearly-full → parking-management, parking-full-soon → parking-management, air-quality-pm25 → environment-bureau, air-quality-unusual → environment-bureau, air-station-stuck → environment-bureau, air-station-silent → environment-bureau; 4 correlation(s): divert-to-park-and-ride → city-operations, district-air-episode → city-operations, district-detectors-stuck → traffic-operations, district-detectors-silent → traffic-operations\n")

        let path = temporaryPath("bad", suffix: ".yaml")
        try """
        rules:
          - name: slow
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed) < 20
            department: traffic-police
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { removeTemporaryItem(path) }
        let bad = try CommandRunner.run(["validate", path])
        #expect(bad.status == 1)
        #expect(bad.stdout == "\(path):5:16: error: unknown field 'speed' for kind traffic (known fields: flow_vph, occupancy, speed_kmh, travel_time_s)\n")
        #expect(bad.stderr == "1 error\n")

        let missing = try CommandRunner.run(["validate", "/nonexistent.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("/nonexistent.yaml: error: cannot read the pipeline file"))
    }

    @Test("bench: a smoke run of the default scenario's pipeline prints the JSON report; a bad scenario exits 1")
    func benchSmoke() throws {
        let result = try CommandRunner.run(["bench", "--scenario", "10k", "--duration", "1", "--transport", "ipc", "--overload", "3", "--json"],
                                           timeout: 120)
        #expect(result.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(report.keys) == ["scenario", "machineCores", "allocator", "baseline", "generator", "sustained", "halfRate", "overload",
                                     "ratioToBaseline", "overloadResidentRatio"])
        // The executable runs on jemalloc (linked), and reads its statistics.
        #expect(report["allocator"] as? String == "jemalloc")
        let overload = try #require(report["overload"] as? [String: Any])
        let sent = overload["sent"] as? Int ?? 0, taken = overload["taken"] as? Int ?? 0
        let shed = overload["shed"] as? Int ?? 0, lost = overload["lost"] as? Int ?? 0
        #expect(sent > 0 && taken > 0)
        #expect(taken + shed + lost <= sent)  // nothing is counted twice
        #expect((overload["samples"] as? [[String: Any]])?.first?["residentBytes"] as? Int ?? 0 > 0)
        #expect(overload["longestStallSeconds"] is Double)
        #expect(overload["longestIngestStallSeconds"] is Double)
        #expect((overload["samples"] as? [[String: Any]])?.first?["heapInUseBytes"] as? Int ?? 0 > 0)
        #expect(result.stderr.contains("on a SUB feed offered"))
        let sustained = try #require(report["sustained"] as? [String: Any])
        #expect((sustained["events"] as? Int ?? 0) > 0)
        #expect(sustained["rejected"] as? Int == 0)
        #expect(Set((sustained["latency"] as? [String: Any] ?? [:]).keys) == ["alerts", "untimed", "p50", "p99", "p999", "max"])
        #expect(result.stderr.contains("generator alone:"))

        let bad = try CommandRunner.run(["bench", "--scenario", "/nonexistent.yaml"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("bench: /nonexistent.yaml: cannot read the scenario"))
    }

    @Test("bench --offline: the offline job's alerts are exactly its slow windows, with both baselines timed")
    func benchOffline() throws {
        let result = try CommandRunner.run(["bench", "--offline", "--offline-events", "60000", "--offline-sensors", "500", "--runs", "2", "--json"],
                                           timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let slow = try #require(report["slowWindows"] as? Int)
        #expect(slow > 0)
        #expect(report["raised"] as? [Int] == [slow, slow])
        #expect((report["runSeconds"] as? [Double])?.count == 2)
        #expect(report["readSeconds"] as? Double ?? 0 > 0)
        #expect(report["decodeSeconds"] as? Double ?? 0 > 0)
        #expect(result.stderr.contains("run 2: read"))
        let refused = try CommandRunner.run(["bench", "--offline", "--offline-events", "10", "--offline-sensors", "20"])
        #expect(refused.status == 64)
    }

    @Test("bench --format senml and ngsi-ld: the same job read in that format raises the same alerts, and its decode is timed beside native")
    func benchFormats() throws {
        for format in ["senml", "ngsi-ld"] {
            let result = try CommandRunner.run(["bench", "--format", format, "--offline-events", "20000", "--offline-sensors", "200", "--runs", "1", "--json"],
                                               timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let slow = try #require(report["slowWindows"] as? Int)
            #expect(slow > 0)
            #expect(report["raised"] as? [Int] == [slow])
            #expect(report["encoding"] as? String == format)
            #expect(report["encodedDecodeSeconds"] as? Double ?? 0 > 0)
            #expect(report["encodedFileBytes"] as? Int ?? 0 > report["fileBytes"] as? Int ?? .max)
        }
        let binary = try CommandRunner.run(["bench", "--format", "senml-cbor"])
        #expect(binary.status == 64)
        #expect(binary.stderr.contains("senml-cbor is binary"))
    }

    @Test("usage errors exit 64 with a message a person can act on")
    func usageErrors() throws {
        let nothing = try CommandRunner.run(["run"])
        #expect(nothing.status == 64)
        #expect(nothing.stderr.contains("nothing to read: give --feed ENDPOINT"))
        let both = try CommandRunner.run(["run", "--input", "x.jsonl", "--feed", "tcp://127.0.0.1:1"])
        #expect(both.status == 64)
        let exposed = try CommandRunner.run(["run", "--pull", "ipc:///tmp/x", "--http", "0.0.0.0:8080"])
        #expect(exposed.status == 64)
        #expect(exposed.stderr.contains("--http 0.0.0.0:8080 is reachable from other machines: use 127.0.0.1, or add --http-public behind TLS"))
        let limits = try CommandRunner.run(["run", "--pull", "ipc:///tmp/x", "--http", "127.0.0.1:0", "--acknowledge-within", "urgent=5m"])
        #expect(limits.status == 64)
        #expect(limits.stderr.contains("--acknowledge-within takes severity=duration pairs such as critical=5m,warning=15m; 'urgent=5m' is not one"))
        let offline = try CommandRunner.run(["run", "--input", "x.jsonl", "--http", "127.0.0.1:8080"])
        #expect(offline.status == 64)
        #expect(offline.stderr.contains("--http serves a live run; it cannot be combined with --input"))
        let logWithoutCheckpoint = try CommandRunner.run(["run", "--pull", "ipc:///tmp/x", "--input-log", "log"])
        #expect(logWithoutCheckpoint.status == 64)
        #expect(logWithoutCheckpoint.stderr.contains("--input-log is re-read from a checkpoint: add --checkpoint DIR"))
        let badInterval = try CommandRunner.run(["run", "--input", "x.jsonl", "--checkpoint", "ckpt", "--checkpoint-every", "soon"])
        #expect(badInterval.status == 64)
        #expect(badInterval.stderr.contains("--checkpoint-every takes a duration such as 30s or 10m, not 'soon'"))
        let badClock = try CommandRunner.run(["run", "--input", "x.jsonl", "--checkpoint", "ckpt", "--checkpoint-clock", "sundial"])
        #expect(badClock.status == 64)
        #expect(badClock.stderr.contains("--checkpoint-clock takes wall or event, not 'sundial'"))
        let badRate = try CommandRunner.run(["simulate", "--rate", "0"])
        #expect(badRate.status == 64)
        #expect(badRate.stderr.contains("--rate must be a positive number"))
    }

    @Test("run --input gives byte-identical alerts on every run and with any partition count")
    func deterministicOffline() throws {
        let directory = try makeTemporaryDirectory("cli")
        defer { removeTemporaryDirectory(directory) }
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
        let incidentRules = ["traffic-congestion", "parking-nearly-full", "air-quality-pm25"]
        let incidents = alertLines.filter { line in incidentRules.contains { line.contains(#""rule":"\#($0)""#) } }
        #expect(incidents.count == 8)  // four incidents, each raised and resolved
        #expect(alertLines.first?.hasPrefix(#"{"seq":1,"id":"traffic-congestion:"#) == true)
        #expect(!written.contains("emitted_at"))
        #expect(first.stderr.contains("done: 36000 event(s), 2 rejected (malformed_json=1 non_finite=1), 0 late, 0 window result(s), \(alertLines.count) alert(s)"))
        #expect(first.stderr.contains("\(feed):501: malformed_json"))

        // --output never destroys what an earlier run wrote: a second run appends.
        let again = try CommandRunner.run(["run", "--input", feed, "--deterministic", "--output", directory + "/alerts.jsonl"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("appending to \(directory)/alerts.jsonl, which holds \(written.utf8.count) bytes from an earlier run"))
        #expect(try String(contentsOfFile: directory + "/alerts.jsonl", encoding: .utf8) == written + written)
    }
}

@Suite("citybrain run --emit")
struct EmitTests {
    @Test("the windows example validates and streams one final result per window of each kind")
    func windowsExample() throws {
        let validate = try CommandRunner.run(["validate", "Pipelines/examples/windows.yaml"])
        #expect(validate.status == 0)
        #expect(validate.stdout == "Pipelines/examples/windows.yaml: ok, 0 rule(s); 4 output(s): speed-1m (tumbling 1m), speed-5m-sliding (sliding 5m every 1m), speed-sessions (session gap 30s max 1h), sensors-per-district (tumbling 5m)\n")

        let directory = try makeTemporaryDirectory("emit")
        defer { removeTemporaryDirectory(directory) }
        let feed = directory + "/city.jsonl"
        #expect(try CommandRunner.run(["simulate", "--output", feed, "--duration", "600", "--sensors", "30", "--rate", "3",
                                       "--start", "1732269600000"]).status == 0)
        var lines = try String(contentsOfFile: feed, encoding: .utf8).split(separator: "\n").map(String.init)
        // One event far behind: too late for every window.
        lines.append(#"{"kind":"traffic","sensor":"seg-0001","district":"d01","ts":1732269600000,"speed_kmh":10}"#)
        try lines.joined(separator: "\n").write(toFile: feed, atomically: true, encoding: .utf8)

        let run = try CommandRunner.run(["run", "--pipeline", "Pipelines/examples/windows.yaml", "--input", feed, "--emit", "windows,late"])
        #expect(run.status == 0)
        let records = try run.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let windows = records.filter { $0["output"] != nil }
        let outputs = Set(windows.compactMap { $0["output"] as? String })
        #expect(outputs == ["speed-1m", "speed-5m-sliding", "speed-sessions", "sensors-per-district"])
        let minute = try #require(windows.first { $0["output"] as? String == "speed-1m" })
        // A sensor-keyed output names the sensor's district too.
        #expect(Set(minute.keys) == ["output", "sensor", "district", "window_start", "window_end", "count", "mean(speed_kmh)", "min(speed_kmh)",
                                     "max(speed_kmh)", "p95(speed_kmh)", "final"])
        // 30 sensors: 19 road segments in one district, each reporting every 10 s for 10 minutes.
        let minutes = windows.filter { $0["output"] as? String == "speed-1m" }
        #expect(minutes.count == 19 * 10)
        #expect(minutes.allSatisfy { $0["count"] as? Int == 6 })
        let districts = windows.filter { $0["output"] as? String == "sensors-per-district" }
        #expect(districts.count == 2)
        #expect(districts.allSatisfy { $0["district"] as? String == "d01" && $0["distinct(sensor)"] as? Double == 19 && $0["count"] as? Int == 19 * 30 })
        // Sessions have allowed lateness: each is reported once not final, then once final.
        let sessions = windows.filter { $0["output"] as? String == "speed-sessions" }
        #expect(sessions.filter { $0["final"] as? Bool == true }.count * 2 == sessions.count)
        let late = records.filter { $0["late_event"] != nil }
        #expect(late.count == 1)
        // seg-0001's readings, 10 s apart, form one session still open: only that output keeps it.
        #expect(late.first?["dropped_by"] as? [String] == ["speed-1m", "speed-5m-sliding", "sensors-per-district"])
        #expect(run.stderr.contains("1 late"))
    }

    @Test("--emit rejects an unknown kind")
    func badEmit() throws {
        let result = try CommandRunner.run(["run", "--input", "x.jsonl", "--emit", "windwos"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--emit takes alerts, windows, late, scores or all, not 'windwos'"))
    }
}

@Suite("citybrain security options")
struct SecurityOptionTests {
    @Test("without CURVE, endpoints other machines can reach need --insecure")
    func nullOnlyWhenExplicit() throws {
        let exposed = try CommandRunner.run(["run", "--feed", "tcp://127.0.0.1:5556", "--alerts", "tcp://*:5557"])
        #expect(exposed.status == 64)
        #expect(exposed.stderr.contains("tcp://*:5557 is reachable from other machines"))
        let halfCurve = try CommandRunner.run(["run", "--feed", "tcp://127.0.0.1:5556", "--curve-secret-key", "x.key"])
        #expect(halfCurve.status == 64)
    }

    @Test("keygen writes a key pair the pipeline can read")
    func keygen() throws {
        let base = temporaryPath("keygen")
        defer { removeTemporaryItem(base + ".key"); removeTemporaryItem(base + ".pub") }
        let result = try CommandRunner.run(["keygen", "--out", base])
        #expect(result.status == 0)
        let key = try String(contentsOfFile: base + ".key", encoding: .utf8)
        let pub = try String(contentsOfFile: base + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(pub.count == 40)
        #expect(key.contains("public \(pub)\nsecret "))
        #expect(result.stdout.contains(pub))

        // Run again: the secret key is not replaced unless asked.
        let again = try CommandRunner.run(["keygen", "--out", base])
        #expect(again.status == 64)
        #expect(again.stderr.contains("\(base).key exists already; pass --overwrite to replace it (nothing was written)"))
        #expect(try String(contentsOfFile: base + ".key", encoding: .utf8) == key)
        #expect(try CommandRunner.run(["keygen", "--out", base, "--overwrite"]).status == 0)
        #expect(try String(contentsOfFile: base + ".key", encoding: .utf8) != key)
    }

    @Test("simulate and import refuse to replace a file that exists, unless --overwrite")
    func generatedFilesAreNotOverwritten() throws {
        let directory = try makeTemporaryDirectory("overwrite")
        defer { removeTemporaryDirectory(directory) }
        let feed = directory + "/city.jsonl"
        try "an earlier run's lines\n".write(toFile: feed, atomically: true, encoding: .utf8)
        let refused = try CommandRunner.run(["simulate", "--output", feed, "--duration", "60", "--sensors", "6"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("\(feed) exists already; pass --overwrite"))
        #expect(try String(contentsOfFile: feed, encoding: .utf8) == "an earlier run's lines\n")
        #expect(try CommandRunner.run(["simulate", "--output", feed, "--duration", "60", "--sensors", "6", "--overwrite"]).status == 0)
        #expect(try String(contentsOfFile: feed, encoding: .utf8).hasPrefix("{"))

        let recording = directory + "/recording"
        try FileManager.default.createDirectory(atPath: recording, withIntermediateDirectories: true)
        let imported = try CommandRunner.run(["import", "parking-birmingham", "--out", recording])
        #expect(imported.status == 64)
        #expect(imported.stderr.contains("\(recording) exists already"))
    }
}
