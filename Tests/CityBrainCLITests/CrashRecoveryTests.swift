import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Testing

/// `kill -9` at random points: what subscribers get is what one uninterrupted run gives.
@Suite("Crash recovery (kill -9)", .serialized)
struct CrashRecoveryTests {
    /// The alerts of a journal, oldest first.
    static func journal(_ directory: String) throws -> [[String: Any]] {
        var alerts: [[String: Any]] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("journal-") }.sorted()
        for name in names {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            var offset = 0
            while offset + 8 <= bytes.count {
                let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
                guard offset + 8 + length <= bytes.count else { break }
                alerts.append(try JSONSerialization.jsonObject(with: Data(bytes[(offset + 8)..<(offset + 8 + length)])) as! [String: Any])
                offset += 8 + length
            }
        }
        return alerts
    }

    /// JSON lines as objects without the fields a restart may change (`epoch`, `emitted_at`).
    static func comparable(_ text: String) throws -> [NSDictionary] {
        try text.split(separator: "\n").map { line in
            var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            object["epoch"] = nil
            object["emitted_at"] = nil
            return object as NSDictionary
        }
    }

    /// The lines of a JSON-lines file as a recording of several segments.
    static func recording(of jsonLines: String, at path: String) throws {
        let writer = try RecordingWriter(directory: path, sources: ["test"], segmentBytes: 256 << 10, blockFrames: 500)
        for (index, line) in try String(contentsOfFile: jsonLines, encoding: .utf8).split(separator: "\n").enumerated() {
            try writer.append(RecordedFrame(receivedAt: 1_800_000_000_000 + Int64(index), topic: [], payload: Array(line.utf8)))
        }
        try writer.close()
    }

    @Test("run --input RECORDING --journal --checkpoint killed at 20 random points gives the uninterrupted run's alerts, record for record")
    func offlineKills() throws {
        let directory = try makeTemporaryDirectory("crash")
        defer { removeTemporaryDirectory(directory) }
        let feed = directory + "/city.jsonl"
        let simulate = try CommandRunner.run([
            "simulate", "--output", feed, "--duration", "3600", "--sensors", "150", "--rate", "20", "--seed", "11", "--jitter-ms", "2000",
            "--start", "1732269600000",
        ])
        #expect(simulate.status == 0)
        let recording = directory + "/recording"
        try Self.recording(of: feed, at: recording)
        #expect(try RecordingReader(path: recording).segments.count > 3)
        let whole = try CommandRunner.run(["run", "--input", recording, "--deterministic"])
        #expect(whole.status == 0)
        let expected = try Self.comparable(whole.stdout)
        #expect(expected.count >= 16)

        let durable = ["run", "--input", recording, "--deterministic", "--output", directory + "/alerts.jsonl", "--journal", directory + "/journal",
                       "--checkpoint", directory + "/checkpoints", "--checkpoint-clock", "event", "--checkpoint-every", "1m"]
        var random = SplitMix64(seed: 20_261_204)
        var restored = 0
        for _ in 0..<20 {
            let run = try CommandRunner.start(durable)
            usleep(UInt32.random(in: 50_000...900_000, using: &random))
            kill(run.process.processIdentifier, SIGKILL)
            let result = run.finish(timeout: 10)
            if result.stderr.contains("restored checkpoint-") { restored += 1 }
            #expect(!result.stderr.contains("critical"), "\(result.stderr)")
        }
        let last = try CommandRunner.run(durable, timeout: 120)
        #expect(last.status == 0, "\(last.stderr)")
        #expect(restored > 0)

        // The file written across the crashes, and the journal (what catch-up serves), are the
        // uninterrupted run's stream: nothing lost, nothing twice, numbered 1, 2, 3, …
        let written = try Self.comparable(try String(contentsOfFile: directory + "/alerts.jsonl", encoding: .utf8))
        let journaled = try Self.journal(directory + "/journal").map { object -> NSDictionary in
            var object = object
            object["epoch"] = nil
            return object as NSDictionary
        }
        #expect(journaled == expected)
        #expect(journaled.map { $0["seq"] as! Int } == Array(1...expected.count))
        #expect(written == expected, "alerts.jsonl: \(written.count) records, expected \(expected.count)")

        // A kill between journaling a batch and writing it leaves the file behind the journal,
        // maybe with a torn last line: the next start catches the file up from the journal.
        let text = try String(contentsOfFile: directory + "/alerts.jsonl", encoding: .utf8)
        var kept = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(4).joined(separator: "\n")
        kept += "\n{\"seq\":"
        try kept.write(toFile: directory + "/alerts.jsonl", atomically: true, encoding: .utf8)

        // The same command once more: the input is read to its end already, nothing is added.
        let again = try CommandRunner.run(durable, timeout: 60)
        #expect(again.status == 0)
        #expect(again.stderr.contains("done: 0 event(s)"))
        #expect(again.stderr.contains("appended 3 journaled alert(s) numbered after \(expected.count - 3)"), "\(again.stderr)")
        #expect(try Self.comparable(try String(contentsOfFile: directory + "/alerts.jsonl", encoding: .utf8)) == expected)
        #expect(try Self.journal(directory + "/journal").count == expected.count)
    }

    @Test("a corrupted newest checkpoint is reported and the one before it is used; no alert is lost or repeated")
    func corruptNewest() throws {
        let directory = try makeTemporaryDirectory("crash")
        defer { removeTemporaryDirectory(directory) }
        let feed = directory + "/city.jsonl"
        #expect(try CommandRunner.run(["simulate", "--output", feed, "--duration", "1800", "--sensors", "60", "--rate", "10",
                                       "--seed", "3", "--start", "1732269600000"]).status == 0)
        let whole = try CommandRunner.run(["run", "--input", feed, "--deterministic"])
        let expected = try Self.comparable(whole.stdout)

        // Half the input, then stop: the last checkpoints are of that point.
        let lines = try String(contentsOfFile: feed, encoding: .utf8).split(separator: "\n")
        let half = directory + "/half.jsonl"
        try (lines.prefix(lines.count / 2).joined(separator: "\n") + "\n").write(toFile: half, atomically: true, encoding: .utf8)
        let arguments = { (input: String) in
            ["run", "--input", input, "--deterministic", "--journal", directory + "/journal", "--checkpoint", directory + "/checkpoints",
             "--checkpoint-clock", "event", "--checkpoint-every", "2m"]
        }
        let first = try CommandRunner.run(arguments(half))
        #expect(first.status == 0)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: directory + "/checkpoints").filter { $0.hasSuffix(".ckpt") }.sorted()
        #expect(checkpoints.count == 3)
        let newest = directory + "/checkpoints/" + checkpoints.last!
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: newest)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: newest))

        let inspect = try CommandRunner.run(["checkpoint", "inspect", directory + "/checkpoints"])
        #expect(inspect.status == 1)  // the newest is not usable
        #expect(inspect.stdout.contains("\(checkpoints.last!): NOT USABLE: \(newest): checksum mismatch (the file is corrupt)"))
        #expect(inspect.stdout.contains("\(checkpoints[checkpoints.count - 2]): "))
        #expect(inspect.stdout.contains("  input:        line "))

        let second = try CommandRunner.run(arguments(feed))
        #expect(second.status == 0)
        #expect(second.stderr.contains("checkpoint \(checkpoints.last!) not used: \(newest): checksum mismatch (the file is corrupt); trying an older one"))
        #expect(second.stderr.contains("restored \(checkpoints[checkpoints.count - 2])"))
        let journaled = try Self.journal(directory + "/journal").map { object -> NSDictionary in
            var object = object
            object["epoch"] = nil
            return object as NSDictionary
        }
        #expect(journaled == expected)
    }

    @Test("a live run --journal --checkpoint --input-log killed three times publishes each alert once, gap-free, as a run over its logged input does")
    func liveKills() throws {
        let directory = try makeTemporaryDirectory("crash")
        defer { removeTemporaryDirectory(directory) }
        let port = 17_000 + Int.random(in: 0..<2_000)
        let feed = "tcp://127.0.0.1:\(port)"
        let simulator = try CommandRunner.start(["simulate", "--push", feed, "--rate", "2000", "--speed", "60", "--sensors", "200",
                                                 "--seed", "5", "--duration", "30"])
        defer { _ = simulator.finish(timeout: 0) }
        let live = ["run", "--pull", feed, "--alerts", "tcp://127.0.0.1:\(port + 1)", "--deterministic", "--journal", directory + "/journal",
                    "--checkpoint", directory + "/checkpoints", "--checkpoint-every", "1s", "--checkpoints-kept", "1000",
                    "--input-log", directory + "/log"]
        var caughtUp = 0
        for delay in [2.5, 3.5, 3.0] {
            let run = try CommandRunner.start(live)
            usleep(UInt32(delay * 1_000_000))
            kill(run.process.processIdentifier, SIGKILL)
            if run.finish(timeout: 10).stderr.contains("caught up:") { caughtUp += 1 }
        }
        let last = try CommandRunner.start(live)
        usleep(3_000_000)
        last.terminate()
        let stopped = last.finish(timeout: 30)
        #expect(stopped.status == 0)
        #expect(caughtUp + (stopped.stderr.contains("caught up:") ? 1 : 0) >= 2)

        let journaled = try Self.journal(directory + "/journal")
        #expect(journaled.map { $0["seq"] as! Int } == Array(1...max(1, journaled.count)))
        let identities = journaled.map { "\($0["id"]!) \($0["state"]!)" }
        #expect(Set(identities).count == identities.count, "an alert was published twice")

        // Every event that entered the engine is in the log (all segments kept): one run over it
        // gives the same alerts, up to the windows the live run had not closed yet.
        let offline = try CommandRunner.run(["run", "--input", directory + "/log", "--deterministic"])
        #expect(offline.status == 0)
        let expected = try Self.comparable(offline.stdout)
        let got = journaled.map { object -> NSDictionary in
            var object = object
            object["epoch"] = nil
            return object as NSDictionary
        }
        #expect(!got.isEmpty)
        #expect(Array(expected.prefix(got.count)) == got)
    }

    @Test("tail --durable with a catch-up endpoint that does not answer warns, keeps retrying, and exits 0 on SIGTERM")
    func tailWithoutCatchup() throws {
        let directory = try makeTemporaryDirectory("crash")
        defer { removeTemporaryDirectory(directory) }
        let tail = try CommandRunner.start(["tail", "--durable", "--state", directory + "/tail.state", "--catchup", "ipc://\(directory)/nobody.ipc",
                                            "--alerts", "ipc://\(directory)/alerts.ipc"])
        usleep(2_500_000)
        #expect(tail.stderr.contains("catch-up endpoint ipc://\(directory)/nobody.ipc does not answer"))
        #expect(tail.stderr.contains("showing live alerts meanwhile"))
        let stopping = Date()
        tail.terminate()
        let result = tail.finish(timeout: 10)
        #expect(result.status == 0)
        #expect(Date().timeIntervalSince(stopping) < 3)
    }
}
