import CityBrainCore
import CityBrainTesting
import Foundation
import Testing
import ZeroMQ

@Suite("citybrain run on live sockets")
struct LiveRunTests {
    @Test("an independent client's events and garbage: the right alert comes out, the process survives and exits 0 on SIGTERM")
    func crafted() throws {
        let context = try Context()
        let feed = try Socket(context, .xpub)
        try feed.setReceiveTimeout(milliseconds: 20_000)
        try feed.bind("tcp://127.0.0.1:*")
        let alertsEndpoint = "ipc://" + temporaryPath("cli-alerts", suffix: ".ipc")
        let alerts = try Socket(context, .sub)
        try alerts.setReceiveTimeout(milliseconds: 20_000)
        try alerts.subscribe("alert.")
        try alerts.connect(alertsEndpoint)

        let process = try CommandRunner.start([
            "run", "--feed", try feed.lastEndpoint, "--alerts", alertsEndpoint, "--wait-for-subscribers", "1", "--deterministic",
        ])
        // The process subscribes to the feed only after our alert subscriber has joined.
        let subscription = try #require(try feed.receive(), "citybrain run did not subscribe to the feed")
        #expect(subscription.bytes == [1])

        let base: Int64 = 1_732_269_600_000
        func event(_ seconds: Int64, speed: Double, occupancy: Double) -> String {
            #"{"kind":"traffic","sensor":"seg-7","district":"d02","ts":\#(base + seconds * 1000),"speed_kmh":\#(speed),"occupancy":\#(occupancy)}"#
        }
        let garbage: [Message] = [
            Message("\u{0}\u{1}\u{2}"), Message("{"), Message("[1,2,3]"), Message("a", "b", "c", "d"),
            Message(#"{"kind":"traffic","sensor":"x","ts":1732269600000,"speed_kmh":1e999}"#),
            Message("traffic.d02.seg-8", event(1, speed: 5, occupancy: 0.9)),
            Message(frames: [[UInt8](repeating: 0x7B, count: 200_000)]),
        ]
        for message in garbage { try feed.send(message) }
        for second in stride(from: 0 as Int64, to: 60, by: 6) {
            try feed.send(Message("traffic.d02.seg-7", event(second, speed: 11, occupancy: 0.6)))
        }
        try feed.send(Message(event(66, speed: 50, occupancy: 0.1)))  // watermark 61 s: the jam minute closes

        let message = try #require(try alerts.receiveMessage(), "no alert arrived")
        #expect(message.string(at: 0) == "alert.traffic-police.warning")
        let alert = try Alert(json: message.frames[1])
        #expect(alert.rule == "traffic-congestion")
        #expect(alert.state == .raised)
        #expect(alert.sensor == "seg-7")
        #expect(alert.district == "d02")
        #expect(alert.seq == 1)
        #expect(alert.windowStart == base)
        #expect(alert.windowEnd == base + 60_000)
        #expect(alert.value == 11)
        #expect(alert.threshold == 20)
        #expect(alert.message == "Congestion on seg-7 (d02): mean speed 11 km/h, occupancy 60 %")

        process.terminate()
        let result = process.finish(timeout: 20)
        #expect(result.status == 0)
        #expect(result.stderr.contains("stopped: 11 event(s), 7 rejected (malformed_json=3 non_finite=1 frame_too_large=1 wrong_frame_count=1 topic_mismatch=1), 0 late, 0 lost in transit (seq gaps), 0 shed under overload, 1 alert(s)"))
    }
}

@Suite("citybrain tail and demo")
struct TailAndDemoTests {
    @Test("tail prints each alert of its department, as JSON lines or readable lines, and exits after --count")
    func tail() throws {
        let context = try Context()
        let publisher = try Socket(context, .xpub)
        try publisher.setReceiveTimeout(milliseconds: 20_000)
        try publisher.bind("tcp://127.0.0.1:*")
        let alert = Alert(seq: 1, id: "jam:seg-1:1732269660000", rule: "jam", state: .raised, severity: .warning, department: "traffic-police",
                          key: "seg-1", sensor: "seg-1", district: "d07", kind: .traffic, windowStart: 1_732_269_600_000,
                          windowEnd: 1_732_269_660_000, value: 12, threshold: 20, values: [], message: "Jam on seg-1", ts: 1_732_269_660_000)
        for json in [true, false] {
            let process = try CommandRunner.start(["tail", "--alerts", try publisher.lastEndpoint, "--department", "traffic-police",
                                                   "--count", "1", "--timeout", "20"] + (json ? ["--json"] : []))
            let subscription = try #require(try publisher.receive())
            #expect(subscription.bytes == [1] + Array("alert.traffic-police.".utf8))
            var other = alert
            other.department = "parking-management"
            try publisher.send(Message(other.topic, other.json))  // filtered out by the subscription
            try publisher.send(Message(alert.topic, alert.json))
            let result = process.finish(timeout: 20)
            #expect(result.status == 0)
            if json {
                #expect(result.stdout == alert.json + "\n")
            } else {
                #expect(result.stdout == "10:01:00  #1  RAISED   warning  traffic-police      seg-1 (d07)         Jam on seg-1\n")
            }
            _ = try publisher.receive()  // the unsubscription when tail exits
        }
    }

    @Test("tail exits 1 when --timeout passes before --count alerts")
    func tailTimeout() throws {
        let result = try CommandRunner.run(["tail", "--alerts", "ipc://" + temporaryPath("nobody", suffix: ".ipc"), "--count", "1", "--timeout", "0.5"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("timed out after 0.5 s with 0 of 1 alerts"))
    }

    @Test("demo shows the simulated city's first incident within seconds and stops cleanly")
    func demo() throws {
        // Event time ×300: the first jam (minutes 2–3) is raised after about 0.6 s of wall time.
        let result = try CommandRunner.run(["demo", "--duration", "4", "--speed", "300", "--sensors", "60", "--no-http"], timeout: 60)
        #expect(result.status == 0)
        #expect(result.stdout.contains("RAISED   warning  traffic-police"))
        #expect(result.stdout.contains("demo stopped:"))
        #expect(!result.stdout.contains("Operations page"))
    }

    @Test("demo serves the operations page, printing its address and a token that acts on alerts")
    func demoPage() throws {
        let run = try CommandRunner.start(["demo", "--duration", "8", "--speed", "300", "--sensors", "60", "--http", "127.0.0.1:0"])
        let announced = #/Operations page: (http://127\.0\.0\.1:\d+/)  \(token for acting on alerts: ([0-9a-f]{24})\)/#
        var page: (url: String, token: String)?
        var alertID: String?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, alertID == nil {
            usleep(200_000)
            if page == nil, let match = run.stdout.firstMatch(of: announced) { page = (String(match.1), String(match.2)) }
            guard let page else { continue }
            let listing = try WebDriver.fetch(page.url + "api/alerts?state=open")
            let object = try JSONSerialization.jsonObject(with: listing.body) as? [String: Any]
            alertID = ((object?["alerts"] as? [[String: Any]])?.first?["id"]) as? String
        }
        let served = try #require(page)
        let id = try #require(alertID, "no open alert on the page's API within 30 s")
        let html = try WebDriver.fetch(served.url)
        #expect(html.status == 200)
        #expect(String(decoding: html.body, as: UTF8.self).contains("<title>"))
        let action = Data(#"{"by":"newcomer"}"#.utf8)
        let path = served.url + "api/alerts/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id) + "/ack"
        #expect(try WebDriver.fetch(path, method: "POST", json: action).status == 401)
        #expect(try WebDriver.fetch(path, method: "POST", json: action, headers: ["Authorization": "Bearer " + served.token]).status == 200)
        let result = run.finish(timeout: 30)
        #expect(result.status == 0)
    }
}

@Suite("citybrain run reloads on SIGHUP")
struct HangupReloadTests {
    @Test("with --watch-pipeline, saving the file is enough")
    func watch() throws {
        let path = temporaryPath("watch", suffix: ".yaml")
        let good = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("Pipelines/city.yaml"), encoding: .utf8)
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        defer { removeTemporaryItem(path) }
        let process = try CommandRunner.start(["run", "--pipeline", path, "--watch-pipeline", "--feed", "ipc://" + temporaryPath("nobody", suffix: ".ipc"),
                                               "--alerts", "ipc://" + temporaryPath("watch", suffix: ".ipc")])
        let deadline = Date().addingTimeInterval(20)
        while !process.stderr.contains("ingest:"), Date() < deadline { usleep(20_000) }
        usleep(1_100_000)  // modification times have a one-second resolution on some file systems
        try good.replacingOccurrences(of: "readings: 6\n    for: 30m", with: "readings: 6\n    for: 45m").write(toFile: path, atomically: true, encoding: .utf8)
        while !process.stderr.contains("reloaded"), Date() < deadline { usleep(20_000) }
        process.terminate()
        let result = process.finish(timeout: 20)
        #expect(result.status == 0)
        #expect(result.stderr.contains("reloaded \(path): changed: traffic-detector-stuck; kept 17"))
    }

    @Test("a broken file is rejected with its errors and the process carries on; a fixed one is reloaded")
    func hangup() throws {
        let path = temporaryPath("hup", suffix: ".yaml")
        let good = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("Pipelines/city.yaml"), encoding: .utf8)
        try good.write(toFile: path, atomically: true, encoding: .utf8)
        defer { removeTemporaryItem(path) }
        let context = try Context()
        let feed = try Socket(context, .xpub)
        try feed.setReceiveTimeout(milliseconds: 20_000)
        try feed.bind("tcp://127.0.0.1:*")
        let alertsPath = temporaryPath("hup", suffix: ".ipc")
        defer { removeTemporaryItem(alertsPath) }
        let process = try CommandRunner.start(["run", "--pipeline", path, "--feed", try feed.lastEndpoint,
                                               "--alerts", "ipc://" + alertsPath])
        _ = try #require(try feed.receive(), "citybrain run did not subscribe")

        func waitForLog(_ text: String) -> Bool {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if process.stderr.contains(text) { return true }
                usleep(20_000)
            }
            return false
        }
        try "rules:\n  - name: broken\n    when: mean(\n".write(toFile: path, atomically: true, encoding: .utf8)
        kill(process.process.processIdentifier, SIGHUP)
        #expect(waitForLog("reload rejected"))
        #expect(process.process.isRunning)

        try good.replacingOccurrences(of: "readings: 6\n    for: 30m", with: "readings: 6\n    for: 40m").write(toFile: path, atomically: true, encoding: .utf8)
        kill(process.process.processIdentifier, SIGHUP)
        #expect(waitForLog("reloaded \(path): changed: traffic-detector-stuck; kept 17"))

        process.terminate()
        let result = process.finish(timeout: 20)
        #expect(result.status == 0)
        #expect(result.stderr.contains("\(path):3:16: error: expected a number, a field or a function call"))
    }
}

@Suite("citybrain record and replay")
struct RecordReplayCommandTests {
    @Test("a recorder killed with SIGKILL leaves a readable recording; a torn tail is skipped, then trimmed when recording resumes")
    func killedRecorder() throws {
        let directory = temporaryPath("kill")
        defer { removeTemporaryItem(directory) }
        let context = try Context()
        let feed = try Socket(context, .xpub)
        try feed.setReceiveTimeout(milliseconds: 20_000)
        try feed.bind("tcp://127.0.0.1:*")
        let recorder = try CommandRunner.start(["record", "--feed", try feed.lastEndpoint, "--out", directory])
        _ = try #require(try feed.receive(), "the recorder did not subscribe")
        var sent: [String] = []
        for index in 0..<3_000 {
            let event = #"{"kind":"traffic","sensor":"seg-\#(index % 50)","district":"d01","ts":\#(1_732_269_600_000 + Int64(index) * 100),"speed_kmh":50}"#
            try feed.send(Message("traffic.d01.seg-\(index % 50)", event))
            sent.append(event)
            if index % 100 == 0 { usleep(10_000) }
        }
        usleep(300_000)  // the recorder flushes every 100 ms
        kill(recorder.process.processIdentifier, SIGKILL)
        _ = recorder.finish(timeout: 10)

        // Simulate a write torn by the crash: cut the last segment mid-block.
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".cbrec") }.sorted()
        let last = directory + "/" + (try #require(segments.last))
        let size = try FileManager.default.attributesOfItem(atPath: last)[.size] as! Int
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: last))
        try handle.truncate(atOffset: UInt64(size - 7))
        try handle.close()

        let run = try CommandRunner.run(["run", "--input", directory, "--deterministic"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("the recording ends in a torn block"))
        let done = try #require(run.stderr.split(separator: "\n").first { $0.contains("done:") })
        let events = Int(done.split(separator: "done: ")[1].split(separator: " ")[0]) ?? 0
        #expect(events > 2_000 && events < 3_000)  // all but the torn last block

        let resumed = try CommandRunner.start(["record", "--feed", try feed.lastEndpoint, "--out", directory, "--duration", "0.5"])
        let result = resumed.finish(timeout: 20)
        #expect(result.status == 0)
        #expect(result.stderr.contains("trimmed a torn tail of"))
        let again = try CommandRunner.run(["run", "--input", directory, "--deterministic"])
        #expect(!again.stderr.contains("torn block"))
        #expect(again.stderr.contains("done: \(events) event(s)"))
    }

    @Test("record and replay have --help and reject bad arguments")
    func arguments() throws {
        #expect(try CommandRunner.run(["record"]).status == 64)
        let badSpeed = try CommandRunner.run(["replay", "x", "--speed", "fast"])
        #expect(badSpeed.status == 64)
        #expect(badSpeed.stderr.contains("--speed takes a positive number or max"))
        let missing = try CommandRunner.run(["replay", "/nonexistent/recording"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no recording at /nonexistent/recording"))
    }
}

@Suite("citybrain run --journal and tail --durable")
struct DurableTailTests {
    @Test("an alert published before the consumer started is fetched from the journal once, and never again")
    func durableTail() throws {
        let directory = try makeTemporaryDirectory("durable")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let feed = try Socket(context, .xpub)
        try feed.setReceiveTimeout(milliseconds: 20_000)
        try feed.bind("tcp://127.0.0.1:*")
        let alertsEndpoint = "ipc://\(directory)/alerts.ipc", catchup = "ipc://\(directory)/catchup.ipc"
        let watcher = try Socket(context, .sub)
        try watcher.setReceiveTimeout(milliseconds: 20_000)
        try watcher.subscribe("alert.")
        try watcher.connect(alertsEndpoint)
        let run = try CommandRunner.start(["run", "--feed", try feed.lastEndpoint, "--alerts", alertsEndpoint, "--await-subscribers", "1",
                                           "--journal", directory + "/journal", "--catchup", catchup])
        _ = try #require(try feed.receive(), "citybrain run did not subscribe")
        for second in stride(from: 0, to: 60, by: 6) {
            try feed.send(Message(#"{"kind":"traffic","sensor":"seg-7","district":"d02","ts":\#(1_732_269_600_000 + second * 1000),"speed_kmh":11,"occupancy":0.6}"#))
        }
        try feed.send(Message(#"{"kind":"traffic","sensor":"seg-7","district":"d02","ts":1732269666000,"speed_kmh":50,"occupancy":0.1}"#))
        let published = try #require(try watcher.receiveMessage(), "no alert was published")
        let alert = try Alert(json: published.frames[1])
        #expect(alert.seq == 1 && alert.epoch != nil)

        let state = directory + "/tail.state"
        let first = try CommandRunner.run(["tail", "--durable", "--state", state, "--catchup", catchup, "--alerts", alertsEndpoint,
                                           "--json", "--count", "1", "--timeout", "20"])
        #expect(first.status == 0)
        #expect(try Alert(json: Array(first.stdout.trimmingCharacters(in: .newlines).utf8)) == alert)
        #expect(try String(contentsOfFile: state, encoding: .utf8) == "1\n")
        let again = try CommandRunner.run(["tail", "--durable", "--state", state, "--catchup", catchup, "--alerts", alertsEndpoint,
                                           "--json", "--count", "1", "--timeout", "1.5"])
        #expect(again.status == 1)  // nothing new: no duplicate
        #expect(again.stdout.isEmpty)

        run.terminate()
        #expect(run.finish(timeout: 20).status == 0)
        #expect(try CommandRunner.run(["run", "--feed", "tcp://127.0.0.1:1", "--catchup", catchup]).status == 64)
        #expect(try CommandRunner.run(["tail", "--durable"]).status == 64)
    }
}
