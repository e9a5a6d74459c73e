import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Testing

/// Three shards and the fan-in as separate processes on loopback (ipc://), against one process
/// on the same input: the merged stream holds the same alerts, per district, with the same ids;
/// `kill -9` of any of them at random points, and a restart, loses and repeats nothing.
@Suite("Sharded city (3 shards + fan-in)", .serialized)
struct ShardedCityTests {
    /// A city of twelve districts over three shards.
    static let plan = """
        shards: 3
        districts: [d01, d02, d03, d04, d05, d06, d07, d08, d09, d10, d11, d12]
        """

    final class City {
        let directory: String
        let feed: String
        let planFile: String
        var shards: [RunningCommand?] = [nil, nil, nil]
        var fanIn: RunningCommand?

        init() throws {
            directory = try makeTemporaryDirectory("sharded")
            feed = directory + "/city.jsonl"
            planFile = directory + "/shards.yaml"
            try ShardedCityTests.plan.write(toFile: planFile, atomically: true, encoding: .utf8)
        }

        deinit {
            for process in shards + [fanIn] { process?.process.terminate() }
            removeTemporaryDirectory(directory)
        }

        func endpoint(_ name: String) -> String { "ipc://\(directory)/\(name)" }

        func shardArguments(_ index: Int) -> [String] {
            ["run", "--input", feed, "--deterministic", "--shard-plan", planFile, "--shard", "shard-\(index)",
             "--journal", "\(directory)/journal-\(index)", "--checkpoint", "\(directory)/checkpoints-\(index)",
             "--checkpoint-clock", "event", "--checkpoint-every", "1m",
             "--alerts", endpoint("alerts-\(index)"), "--catchup", endpoint("catchup-\(index)"), "--keep-serving", "--partitions", "2"]
        }

        var fanInArguments: [String] {
            ["fanin", "--journal", directory + "/fanin", "--alerts", endpoint("alerts"), "--catchup", endpoint("catchup")]
                + (0..<3).flatMap { ["--shard", "shard-\($0)=\(endpoint("alerts-\($0)")),\(endpoint("catchup-\($0)"))"] }
        }

        func startShard(_ index: Int) throws { shards[index] = try CommandRunner.start(shardArguments(index)) }
        func startFanIn() throws { fanIn = try CommandRunner.start(fanInArguments) }

        /// `kill -9` of a shard (0…2) or the fan-in (3), then the same command again; returns its name.
        func killAndRestart(_ victim: Int, shard arguments: ((Int) -> [String])? = nil) throws -> String {
            if victim == 3, let fanIn {
                kill(fanIn.process.processIdentifier, SIGKILL)
                _ = fanIn.finish(timeout: 10)
                try startFanIn()
                return "fanin"
            }
            guard let shard = shards[victim] else { return "none" }
            kill(shard.process.processIdentifier, SIGKILL)
            _ = shard.finish(timeout: 10)
            shards[victim] = try CommandRunner.start((arguments ?? shardArguments)(victim))
            return "shard-\(victim)"
        }

        /// The fan-in's journal, oldest first.
        func merged() throws -> [[String: Any]] { try CrashRecoveryTests.journal(directory + "/fanin") }

        func stopAll() -> [CommandRunner.Result] {
            (shards + [fanIn]).compactMap { process in
                guard let process else { return nil }
                process.process.terminate()
                return process.finish(timeout: 20)
            }
        }
    }

    /// Records without what depends on the run (numbering, epochs, wall clock, shard), by
    /// district, sorted: equal lists mean the same alerts, each as many times.
    static func byDistrict(_ records: [[String: Any]]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for record in records {
            var object = record
            for field in ["seq", "epoch", "emitted_at", "shard", "shard_seq"] { object[field] = nil }
            let text = String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
            result[record["district"] as? String ?? "-", default: []].append(text)
        }
        return result.mapValues { $0.sorted() }
    }

    static func records(_ jsonLines: String) throws -> [[String: Any]] {
        try jsonLines.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The single process's alerts on the city's feed.
    static func expected(_ city: City) throws -> [[String: Any]] {
        let simulate = try CommandRunner.run([
            "simulate", "--output", city.feed, "--duration", "7200", "--sensors", "300", "--rate", "40", "--seed", "11",
            "--jitter-ms", "2000", "--start", "1732269600000",
        ])
        #expect(simulate.status == 0)
        let single = try CommandRunner.run(["run", "--input", city.feed, "--deterministic"])
        #expect(single.status == 0)
        return try records(single.stdout)
    }

    /// Waits until the fan-in has journaled `count` alerts (or the time is up).
    static func waitForMerged(_ city: City, count: Int, seconds: Double = 120) throws -> [[String: Any]] {
        var merged: [[String: Any]] = []
        _ = eventually(within: seconds) {
            merged = (try? city.merged()) ?? []
            return merged.count >= count
        }
        return merged
    }

    /// The fan-in's stream is numbered 1, 2, 3, … with each shard's own numbers in order, once each.
    static func checkNumbering(_ merged: [[String: Any]]) {
        guard !merged.isEmpty else { return }
        #expect(merged.map { $0["seq"] as? Int ?? 0 } == Array(1...merged.count))
        var perShard: [String: [Int]] = [:]
        for record in merged { perShard[record["shard"] as? String ?? "?", default: []].append(record["shard_seq"] as? Int ?? 0) }
        for (shard, numbers) in perShard { #expect(numbers == Array(1...numbers.count), "shard \(shard): \(numbers)") }
    }

    @Test("three shards and the fan-in give the single process's alerts, district by district, with the same ids; the page runs on the fan-in")
    func mergedEqualsSingle() throws {
        let city = try City()
        let expected = try Self.expected(city)
        #expect(expected.count >= 40)
        try city.startFanIn()
        for index in 0..<3 { try city.startShard(index) }
        let merged = try Self.waitForMerged(city, count: expected.count)
        // A moment more: nothing beyond the single run's alerts may come.
        usleep(500_000)
        let results = city.stopAll()
        let final = try city.merged()
        #expect(final.count == merged.count)
        #expect(Self.byDistrict(final) == Self.byDistrict(expected))
        Self.checkNumbering(final)
        #expect(Set(final.compactMap { $0["shard"] as? String }) == ["shard-0", "shard-1", "shard-2"])
        for result in results { #expect(result.status == 0, "\(result.stderr.suffix(600))") }
        #expect(results.contains { $0.stderr.contains("left to other shards") })

        // The operations page runs on the fan-in: a restarted fan-in (shards gone) serves every
        // case from its journal, and adds nothing to it.
        let port = try OperationsPageTests.freePort()
        let page = try CommandRunner.start(city.fanInArguments + ["--http", "127.0.0.1:\(port)"])
        defer { page.process.terminate(); _ = page.finish(timeout: 10) }
        var cases: [String: Any] = [:]
        _ = eventually(within: 15) {
            guard let reply = try? CommandRunner.runTool("/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(port)/api/alerts?limit=1"], timeout: 5),
                  reply.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(reply.stdout.utf8)) as? [String: Any] else { return false }
            cases = object
            return true
        }
        let lifecycles = Set(expected.filter { $0["state"] as? String == "raised" }.compactMap { $0["id"] as? String })
        #expect(cases["total"] as? Int == lifecycles.count, "\(cases)")
        let health = try CommandRunner.runTool("/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(port)/health"], timeout: 5)
        #expect(health.stdout.contains("\"ready\":true"), "\(health.stdout)")
        #expect(try city.merged().count == final.count)
    }

    @Test("kill -9 of shards and the fan-in at 12 random points, each restarted: nothing lost, nothing twice")
    func killsLoseNothing() throws {
        let city = try City()
        let expected = try Self.expected(city)
        try city.startFanIn()
        for index in 0..<3 { try city.startShard(index) }
        var random = SplitMix64(seed: 20_261_206)
        var killed: [String] = []
        for _ in 0..<12 {
            usleep(UInt32.random(in: 50_000...700_000, using: &random))
            killed.append(try city.killAndRestart(Int.random(in: 0...3, using: &random)))
        }
        let merged = try Self.waitForMerged(city, count: expected.count, seconds: 150)
        usleep(500_000)
        let results = city.stopAll()
        let final = try city.merged()
        #expect(final.count == merged.count, "killed: \(killed)")
        #expect(final.count == expected.count, "killed: \(killed); fan-in: \(results.last?.stderr.suffix(1500) ?? "")")
        #expect(Self.byDistrict(final) == Self.byDistrict(expected), "killed: \(killed)")
        Self.checkNumbering(final)

        // A durable consumer of the fan-in, as of a single process, gets the whole stream.
        try city.startFanIn()
        defer { _ = city.stopAll() }
        let tail = try CommandRunner.run(["tail", "--alerts", city.endpoint("alerts"), "--durable", "--catchup", city.endpoint("catchup"),
                                          "--state", city.directory + "/tail.state", "--json", "--count", "\(expected.count)", "--timeout", "30"], timeout: 40)
        #expect(tail.status == 0, "\(tail.stderr.suffix(600))")
        let shown = try Self.records(tail.stdout)
        #expect(shown.map { $0["seq"] as? Int ?? 0 } == Array(1...expected.count))
    }

    @Test("shards following the city's recording as it is written: kill -9 of shards and the fan-in at random points loses and repeats nothing")
    func followingKills() throws {
        let city = try City()
        let expectedAll = try Self.expected(city)
        // The recording is written while the shards read it, as `citybrain record` would.
        let lines = try String(contentsOfFile: city.feed, encoding: .utf8).split(separator: "\n")
        let recording = city.directory + "/recording"
        let writer = try RecordingWriter(directory: recording, sources: ["test"], segmentBytes: 2 << 20, blockFrames: 500)
        try writer.flush()
        func shardArguments(_ index: Int) -> [String] {
            ["run", "--input", recording, "--follow", "--deterministic", "--shard-plan", city.planFile, "--shard", "shard-\(index)",
             "--journal", "\(city.directory)/journal-\(index)", "--checkpoint", "\(city.directory)/checkpoints-\(index)",
             "--checkpoint-clock", "event", "--checkpoint-every", "1m",
             "--alerts", city.endpoint("alerts-\(index)"), "--catchup", city.endpoint("catchup-\(index)"), "--partitions", "2"]
        }
        try city.startFanIn()
        for index in 0..<3 { city.shards[index] = try CommandRunner.start(shardArguments(index)) }
        var random = SplitMix64(seed: 20_261_207)
        var killed: [String] = []
        let chunks = 40
        let perChunk = (lines.count + chunks - 1) / chunks
        for chunk in 0..<chunks {
            for (offset, line) in lines[min(lines.count, chunk * perChunk)..<min(lines.count, (chunk + 1) * perChunk)].enumerated() {
                try writer.append(RecordedFrame(receivedAt: 1_800_000_000_000 + Int64(chunk * perChunk + offset), topic: [], payload: Array(line.utf8)))
            }
            try writer.flush()
            usleep(120_000)
            guard chunk % 3 == 1 else { continue }
            killed.append(try city.killAndRestart(Int.random(in: 0...3, using: &random), shard: shardArguments) + "@\(chunk)")
        }
        try writer.close()
        // A followed recording has no end, so its last windows stay open: compare what closed
        // long before the last reading (event time), which any run of the same input must give.
        let lastTime = try #require(expectedAll.compactMap { $0["ts"] as? Int }.max())
        let cutoff = lastTime - 15 * 60_000
        let expected = expectedAll.filter { ($0["ts"] as? Int ?? .max) < cutoff }
        #expect(expected.count >= 30)
        _ = eventually(within: 120) { ((try? city.merged()) ?? []).filter { ($0["ts"] as? Int ?? .max) < cutoff }.count >= expected.count }
        usleep(1_000_000)
        let results = city.stopAll()
        let merged = try city.merged()
        let early = merged.filter { ($0["ts"] as? Int ?? .max) < cutoff }
        #expect(Self.byDistrict(early) == Self.byDistrict(expected), "killed: \(killed)")
        Self.checkNumbering(merged)
        for result in results { #expect(result.status == 0, "\(result.stderr.suffix(800))") }
        #expect(killed.count == 13)
    }

    @Test("live: the simulator's feed splits by topic; each shard receives exactly its districts' readings, and the fan-in merges their alerts")
    func liveSplitByTopic() throws {
        let city = try City()
        let feed = city.endpoint("feed")
        // Every shard subscribes to its districts' prefixes: the simulator waits for all of them.
        let prefixes = try CommandRunner.run(["shard-plan", city.planFile, "--topics"]).stdout.split(separator: "\n").count
        #expect(prefixes == 3 * 12 + 3 * 3)
        try city.startFanIn()
        for index in 0..<3 {
            city.shards[index] = try CommandRunner.start([
                "run", "--feed", feed, "--shard-plan", city.planFile, "--shard", "shard-\(index)", "--journal", "\(city.directory)/journal-\(index)",
                "--alerts", city.endpoint("alerts-\(index)"), "--catchup", city.endpoint("catchup-\(index)"), "--partitions", "2",
            ])
        }
        let simulate = try CommandRunner.run([
            "simulate", "--publish", feed, "--wait-for-subscribers", "\(prefixes)", "--sensors", "300", "--rate", "3000", "--speed", "600",
            "--duration", "8", "--seed", "5", "--jitter-ms", "1000",
        ], timeout: 60)
        #expect(simulate.status == 0, "\(simulate.stderr.suffix(400))")
        let sent = Int(try #require(simulate.stderr.split(separator: "\n").last { $0.contains("sent ") }?.split(separator: " ").drop { $0 != "sent" }.dropFirst().first)) ?? -1
        usleep(1_000_000)
        // Each shard's closing line counts its events; nothing was left to other shards (the topics kept them away).
        var received = 0
        for index in 0..<3 {
            guard let shard = city.shards[index] else { continue }
            shard.process.terminate()
            let result = shard.finish(timeout: 20)
            #expect(result.status == 0)
            let line = try #require(result.stderr.split(separator: "\n").last { $0.contains("stopped: ") })
            received += Int(line.split(separator: "stopped: ").last?.split(separator: " ").first ?? "") ?? 0
            #expect(!line.contains("left to other shards"), "\(line)")
        }
        #expect(sent > 20_000)
        #expect(received == sent, "the shards received \(received) of \(sent) readings")
        _ = eventually(within: 10) { ((try? city.merged()) ?? []).count > 0 }
        let merged = try city.merged()
        let plan = try ShardPlanLoader.load(text: Self.plan, name: "plan")
        #expect(!merged.isEmpty)
        for record in merged {
            let shard = try #require(record["shard"] as? String)
            if let district = record["district"] as? String { #expect(plan.owner(ofDistrict: district) == shard, "\(record)") }
        }
        Self.checkNumbering(merged)
    }

    @Test("the fan-in's --output file and signed --webhook receive the merged stream once, gap-free, and a restarted fan-in adds nothing to either")
    func fanInOutputAndWebhook() throws {
        let city = try City()
        let expected = try Self.expected(city)
        // A webhook receiver on loopback: appends each POSTed body as a line, and its timestamp
        // and signature headers as a line of another file.
        let python = try #require(CommandRunner.which("python3"), "python3 is needed for the webhook receiver")
        let port = try OperationsPageTests.freePort()
        let posted = city.directory + "/posted.jsonl", signatures = city.directory + "/signatures.txt"
        let receiver = try RunningCommand(executable: URL(fileURLWithPath: python), arguments: ["-c", """
            import http.server, sys
            class Hook(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    with open(sys.argv[2], "ab") as f: f.write(body + b"\\n")
                    with open(sys.argv[3], "a") as f:
                        f.write(self.headers["X-CityBrain-Timestamp"] + " " + self.headers["X-CityBrain-Signature"] + "\\n")
                    self.send_response(200); self.end_headers()
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
            """, "\(port)", posted, signatures])
        defer { receiver.process.terminate(); _ = receiver.finish(timeout: 5) }
        let output = city.directory + "/merged.jsonl", secret = city.directory + "/webhook.secret"
        try "fan-in-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let fanIn = city.fanInArguments + ["--output", output, "--webhook", "http://127.0.0.1:\(port)/hook", "--webhook-secret", secret]
        city.fanIn = try CommandRunner.start(fanIn)
        for index in 0..<3 { try city.startShard(index) }
        let merged = try Self.waitForMerged(city, count: expected.count)
        func lines(_ path: String) -> [[String: Any]] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        #expect(eventually(within: 30) { lines(output).count >= merged.count && lines(posted).count >= merged.count })
        usleep(500_000)
        for result in city.stopAll() { #expect(result.status == 0, "\(result.stderr.suffix(600))") }
        let written = lines(output), delivered = lines(posted)
        #expect(written.map { $0["seq"] as? Int ?? 0 } == Array(1...merged.count))
        #expect(written.map { $0["id"] as? String ?? "" } == merged.map { $0["id"] as? String ?? "" })
        #expect(delivered.map { $0["seq"] as? Int ?? 0 } == Array(1...merged.count))
        // Each delivery is signed with the secret: HMAC-SHA256 of "<timestamp>.<body>".
        let bodies = ((try? String(contentsOfFile: posted, encoding: .utf8)) ?? "").split(separator: "\n")
        let headers = ((try? String(contentsOfFile: signatures, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: " ") }
        #expect(headers.count == bodies.count)
        let signer = WebhookSignature(secret: Array("fan-in-secret".utf8))
        for (body, header) in zip(bodies, headers) where header.count == 2 {
            #expect(signer.sign(Array(body.utf8), timestamp: Int64(header[0]) ?? 0) == String(header[1]))
        }

        // Restarted over the same journal: nothing appended, nothing posted again.
        let again = try CommandRunner.start(fanIn)
        usleep(1_500_000)
        again.process.terminate()
        #expect(again.finish(timeout: 10).status == 0)
        #expect(lines(output).count == written.count)
        #expect(lines(posted).count == delivered.count)
    }

    @Test("a shard restarted under a plan that moved one of its districts away releases that district's sensors: their alerts resolved here, none reported silent")
    func planChangeReleasesMovedDistrict() throws {
        let city = try City()
        let simulate = try CommandRunner.run([
            "simulate", "--output", city.feed, "--duration", "7200", "--sensors", "300", "--rate", "40", "--seed", "11",
            "--jitter-ms", "2000", "--start", "1732269600000",
        ])
        #expect(simulate.status == 0)
        let plan = try ShardPlanLoader.load(text: Self.plan, name: "shards.yaml")
        let moved = try #require(plan.districts(of: "shard-0").first)
        let movedPlan = city.directory + "/shards-moved.yaml"
        try (Self.plan + "\npins: { \(moved): shard-1 }\n").write(toFile: movedPlan, atomically: true, encoding: .utf8)
        func arguments(plan: String) -> [String] {
            ["run", "--input", city.feed, "--deterministic", "--shard-plan", plan, "--shard", "shard-0",
             "--journal", city.directory + "/journal-0", "--checkpoint", city.directory + "/checkpoints-0",
             "--checkpoint-clock", "event", "--checkpoint-every", "1m", "--partitions", "2"]
        }
        // Killed early in the two hours, once its third checkpoint is written (the first is the
        // empty one at start; a busy writer skips barriers, so the count is not a clock).
        let first = try CommandRunner.start(arguments(plan: city.planFile))
        _ = eventually(within: 60) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: city.directory + "/checkpoints-0")) ?? []
            return names.contains { $0.hasPrefix("checkpoint-") && (Int($0.filter(\.isNumber)) ?? 0) >= 3 }
        }
        kill(first.process.processIdentifier, SIGKILL)
        // Killed mid-run, not finished: otherwise the restart would read nothing more and the
        // moved sensors could not go silent whatever the change did.
        #expect(first.finish(timeout: 10).status == SIGKILL)
        let before = try CrashRecoveryTests.journal(city.directory + "/journal-0").count

        let second = try CommandRunner.run(arguments(plan: movedPlan), timeout: 120)
        #expect(second.status == 0, "\(second.stderr.suffix(800))")
        #expect(second.stderr.contains("now watched by other shards (the shard plan changed)"), "\(second.stderr.suffix(800))")
        let after = try CrashRecoveryTests.journal(city.directory + "/journal-0").dropFirst(before)
        let movedAfter = after.filter { $0["district"] as? String == moved }
        // The moved district's alerts still open are resolved here, saying why; nothing else of it.
        #expect(movedAfter.allSatisfy { $0["state"] as? String == "resolved" && ($0["message"] as? String ?? "").contains("shard plan changed") },
                "\(movedAfter.map { "\($0["rule"] ?? "") \($0["state"] ?? "") \($0["key"] ?? "")" })")
        #expect(!after.contains { ($0["rule"] as? String ?? "").hasSuffix("-silent") && $0["district"] as? String == moved })
    }

    @Test("shard-plan prints who owns what, the moves against another plan, the topics; a broken plan exits 1 naming the line")
    func shardPlanCommand() throws {
        let directory = try makeTemporaryDirectory("shard-plan")
        defer { removeTemporaryDirectory(directory) }
        let plan = CommandRunner.repositoryRoot.path + "/deploy/shards.yaml"
        let printed = try CommandRunner.run(["shard-plan", plan])
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("ok, 3 shard(s), 12 district(s)"))
        #expect(printed.stdout.contains("shard-0: 5 district(s) (1.25× an even share): d04, d07, d10, d11, d12"), "\(printed.stdout)")
        let four = directory + "/four.yaml"
        try (try String(contentsOfFile: plan, encoding: .utf8)).replacingOccurrences(of: "shards: 3", with: "shards: 4").write(toFile: four, atomically: true, encoding: .utf8)
        let compared = try CommandRunner.run(["shard-plan", four, "--compare", plan])
        #expect(compared.stdout.contains("3 of 12 district(s) move"), "\(compared.stdout)")
        let topics = try CommandRunner.run(["shard-plan", plan, "--shard", "citybrain-shard-2", "--topics"])
        #expect(topics.stdout.split(separator: "\n").prefix(4) == ["traffic.d01.", "traffic.d05.", "traffic.d09.", "traffic.-."])

        let broken = directory + "/broken.yaml"
        try "shards: 2\npins: {d01: shard-5}\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try CommandRunner.run(["shard-plan", broken])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("broken.yaml:1:9: error: district 'd01' is pinned to 'shard-5'"), "\(refused.stderr)")
        let unknownShard = try CommandRunner.run(["run", "--input", broken, "--shard-plan", plan, "--shard", "shard-9"])
        #expect(unknownShard.status == 64)
        #expect(unknownShard.stderr.contains("'shard-9' is not a shard of"), "\(unknownShard.stderr)")
        let half = try CommandRunner.run(["run", "--input", broken, "--shard", "shard-1"])
        #expect(half.status == 64)
        #expect(half.stderr.contains("--shard-plan and --shard go together"))
        let noShard = try CommandRunner.run(["fanin", "--journal", directory + "/fanin"])
        #expect(noShard.status == 64)
        #expect(noShard.stderr.contains("no shard to read"))
        let badShard = try CommandRunner.run(["fanin", "--journal", directory + "/fanin", "--shard", "a=tcp://127.0.0.1:1"])
        #expect(badShard.stderr.contains("shard 'a' needs two endpoints"), "\(badShard.stderr)")
    }
}
