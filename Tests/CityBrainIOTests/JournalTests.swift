import CityBrainCore
@testable import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Alert journal and catch-up")
struct JournalTests {
    let logger = Logger(label: "journal")

    func alert(_ seq: UInt64) -> Alert {
        Alert(seq: seq, id: "r:s:\(seq)", rule: "r", state: .raised, severity: .info, department: "d", key: "s", sensor: "s", district: nil,
              kind: .traffic, windowStart: 0, windowEnd: 1, value: Double(seq), threshold: nil, values: [], message: "m", ts: Int64(seq))
    }

    @Test("appends survive a reopen; numbering continues; a torn last entry is trimmed")
    func reopen() throws {
        let path = try makeTemporaryDirectory("journal")
        defer { removeTemporaryItem(path) }
        let journal = try AlertJournal(directory: path, segmentBytes: 4_096, epoch: 1)
        for batch in stride(from: 1, through: 181, by: 20) { try journal.append((batch..<(batch + 20)).map { alert(UInt64($0)) }) }
        journal.close()
        #expect(try AlertJournal.segments(in: URL(fileURLWithPath: path)).count > 1)
        let sizeOf = { (url: URL) in (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 }
        let last = try #require(try AlertJournal.segments(in: URL(fileURLWithPath: path)).last { sizeOf($0) > 0 })
        let size = sizeOf(last)
        let handle = try FileHandle(forWritingTo: last)
        try handle.truncate(atOffset: UInt64(size - 10))  // a crash mid-write
        try handle.close()

        let reopened = try AlertJournal(directory: path, segmentBytes: 4_096, epoch: 2)
        #expect(reopened.lastSequence == 199)  // the torn 200th entry is gone
        #expect(try reopened.alerts(after: 190).map(\.seq) == Array(191...199))
        #expect(try reopened.alerts(after: 0, limit: 5).map(\.seq) == [1, 2, 3, 4, 5])
        // Read again (closed segments now skipped by their known ranges) and after new appends.
        try reopened.append((200...260).map { alert(UInt64($0)) })
        for after: UInt64 in [0, 37, 120, 198, 199, 230, 260] {
            #expect(try reopened.alerts(after: after).map(\.seq) == Array(UInt64(after + 1)..<261))
            #expect(try reopened.alerts(after: after, limit: 3).map(\.seq) == Array(Array(UInt64(after + 1)..<261).prefix(3)))
        }
        reopened.close()
    }

    @Test("a consumer stopped mid-stream and restarted receives every alert exactly once, across a processor restart (new epoch)")
    func exactlyOnce() throws {
        let directory = try makeTemporaryDirectory("journal")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        var simulator = CitySimulator(sensors: 60, seed: 31, start: 1_732_269_600_000, reportInterval: 6_000)
        let minute: Int64 = 60_000
        let phases = [15, 26, 45].map { simulator.events(until: 1_732_269_600_000 + Int64($0) * minute) }

        func processor(epoch: Int64, name: String) throws -> (LivePipeline, String, String) {
            let feed = "ipc://\(directory)/feed-\(name).ipc", catchup = "ipc://\(directory)/catchup-\(name).ipc"
            let live = try cityPipeline(context: context, feed: feed, sinks: [], alertEndpoints: ["tcp://127.0.0.1:*"],
                                        journal: try AlertJournal(directory: directory + "/journal", epoch: epoch), catchup: [catchup])
            return (live, feed, catchup)
        }
        func feed(_ events: [Event], to endpoint: String, live: LivePipeline) throws {
            let push = try Socket(context, .push)
            try push.connect(endpoint)
            let before = live.status.ingest.accepted
            for event in events { try push.send(Message(EventEncoder.json(event))) }
            #expect(eventually { live.status.ingest.accepted == before + events.count })
            live.drain()
        }

        let received = Collector<Alert>()
        let state = directory + "/consumer.state"
        func consumer(_ live: LivePipeline, catchup: String) throws -> DurableAlertConsumer {
            let consumer = DurableAlertConsumer(context: context, alerts: live.publisher!.boundEndpoints, catchup: catchup, stateFile: state,
                                                logger: logger) { alert, _ in received.append(alert) }
            try consumer.start()
            return consumer
        }

        // Processor 1: the consumer sees the first phase live, then stops; the second phase is
        // journaled while nobody listens.
        let (first, feed1, catchup1) = try processor(epoch: 1_000, name: "a")
        let early = try consumer(first, catchup: catchup1)
        try feed(phases[0], to: feed1, live: first)
        #expect(eventually { early.lastSequence == first.status.lastSequence })
        early.stop()
        let seenBeforeStop = received.count
        try feed(phases[1], to: feed1, live: first)
        first.stop()
        let lastOfFirst = first.status.lastSequence

        // Processor 2 (a restart: same journal, new epoch); the consumer resumes from its state file.
        let (second, feed2, catchup2) = try processor(epoch: 2_000, name: "b")
        let resumed = try consumer(second, catchup: catchup2)
        try feed(phases[2], to: feed2, live: second)
        #expect(eventually(within: 20) { resumed.lastSequence == second.status.lastSequence && second.status.lastSequence > lastOfFirst })
        resumed.stop()
        second.stop()

        let alerts = received.all
        #expect(seenBeforeStop > 0 && alerts.count > seenBeforeStop)
        #expect(alerts.map(\.seq) == Array(1...UInt64(alerts.count)))  // every alert, once, in order
        #expect(alerts.filter { $0.seq <= lastOfFirst }.allSatisfy { $0.epoch == 1_000 })
        #expect(alerts.filter { $0.seq > lastOfFirst }.allSatisfy { $0.epoch == 2_000 })
        #expect(try String(contentsOfFile: state, encoding: .utf8) == "\(alerts.count)\n")
    }

    @Test("a durable consumer whose catch-up endpoint does not answer shows live alerts meanwhile, fills the gap once it answers, and stops at once")
    func catchupDown() throws {
        let directory = try makeTemporaryDirectory("journal")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        var simulator = CitySimulator(sensors: 60, seed: 31, start: 1_732_269_600_000, reportInterval: 6_000)
        let phases = [15, 45].map { simulator.events(until: 1_732_269_600_000 + Int64($0) * 60_000) }
        let journal = try AlertJournal(directory: directory + "/journal", epoch: 1)
        let feedEndpoint = "ipc://\(directory)/feed.ipc", catchupEndpoint = "ipc://\(directory)/catchup.ipc"
        // No catch-up server yet: the endpoint does not answer.
        let live = try cityPipeline(context: context, feed: feedEndpoint, sinks: [], alertEndpoints: ["tcp://127.0.0.1:*"], journal: journal)
        let push = try Socket(context, .push)
        try push.connect(feedEndpoint)
        func feed(_ events: [Event]) throws {
            let before = live.status.ingest.accepted
            for event in events { try push.send(Message(EventEncoder.json(event))) }
            #expect(eventually { live.status.ingest.accepted == before + events.count })
            live.drain()
        }
        try feed(phases[0])  // journaled while nobody listens
        let missed = live.status.lastSequence
        #expect(missed > 0)

        let received = Collector<Alert>()
        let clock = ManualClock()  // the consumer retries the catch-up when the test moves this on
        let consumer = DurableAlertConsumer(context: context, alerts: live.publisher!.boundEndpoints, catchup: catchupEndpoint,
                                            stateFile: directory + "/consumer.state", clock: clock, logger: logger) { alert, _ in received.append(alert) }
        try consumer.start()
        usleep(300_000)
        try feed(phases[1])
        let total = live.status.lastSequence
        #expect(total > missed)
        // The live alerts are shown although the gap before them cannot be fetched yet.
        #expect(eventually(within: 10) { received.count == Int(total - missed) })
        #expect(consumer.lastSequence == 0)

        let server = CatchupServer(context: context, endpoints: [catchupEndpoint], journal: journal, logger: logger)
        try server.start()
        #expect(consumer.lastSequence == 0)
        clock.advance(seconds: 60)  // past the longest retry delay
        #expect(eventually(within: 20) { consumer.lastSequence == total })
        let seqs = received.all.map(\.seq)
        #expect(seqs.sorted() == Array(1...total))  // every alert once: the gap filled, the live ones not again
        #expect(Array(seqs.prefix(Int(total - missed))) == Array((missed + 1)...total))

        let stopping = Date()
        consumer.stop()
        #expect(Date().timeIntervalSince(stopping) < 3)
        server.stop()
        live.stop()
    }

    @Test("an alert file behind its journal (killed between journaling and writing) is caught up; a torn last line is cut; a new file is left alone")
    func alertFileCatchUp() throws {
        let path = try makeTemporaryDirectory("journal")
        defer { removeTemporaryItem(path) }
        let journal = try AlertJournal(directory: path + "/journal", epoch: 1)
        try journal.append((1...12).map(alert))

        // The file has alerts 1…9, then more than a read chunk of lines without a seq, then a torn line.
        let file = path + "/alerts.jsonl"
        let windowLine = #"{"type":"window","rule":"r","key":"s"}"# + "\n"
        var text = (1...9).map { alert($0).json + "\n" }.joined()
        text += String(repeating: windowLine, count: AlertFileCatchUp.chunkBytes / windowLine.utf8.count + 10)
        text += #"{"seq":10,"rule":"#
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let report = try AlertFileCatchUp.run(path: file, journal: journal)
        #expect(report == AlertFileCatchUp.Report(trimmedBytes: 17, lastSequenceInFile: 9, appended: 3))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.suffix(3).map(String.init) == (10...12).map { alert($0).json })
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasSuffix("\n"))

        // Caught up: a second pass changes nothing.
        #expect(try AlertFileCatchUp.run(path: file, journal: journal) == AlertFileCatchUp.Report(trimmedBytes: 0, lastSequenceInFile: 12, appended: 0))

        // An existing empty file receives the whole journal; a file that does not exist is not created.
        let empty = path + "/empty.jsonl"
        #expect(FileManager.default.createFile(atPath: empty, contents: nil))
        #expect(try AlertFileCatchUp.run(path: empty, journal: journal).appended == 12)
        #expect(try AlertFileCatchUp.run(path: path + "/new.jsonl", journal: journal) == AlertFileCatchUp.Report())
        #expect(!FileManager.default.fileExists(atPath: path + "/new.jsonl"))
        journal.close()
    }
}

@Suite("Heartbeats and retention")
struct HeartbeatRetentionTests {
    @Test("the alert stream carries a heartbeat with the epoch and the last sequence number")
    func heartbeat() throws {
        let directory = try makeTemporaryDirectory("hb")
        defer { removeTemporaryDirectory(directory) }
        let feedPath = temporaryPath("hb", suffix: ".ipc")
        defer { removeTemporaryItem(feedPath) }
        let context = try Context()
        let live = try LivePipeline(
            context: context,
            configuration: .init(pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(pull: ["ipc://" + feedPath]),
                                 alertEndpoints: ["tcp://127.0.0.1:*"], journal: try AlertJournal(directory: directory, epoch: 4_242)),
            logger: Logger(label: "hb")
        )
        try live.start()
        defer { live.stop() }
        let socket = try Socket(context, .sub)
        try socket.setReceiveTimeout(milliseconds: 5_000)
        try socket.subscribe("heartbeat")
        try socket.connect(try #require(live.publisher?.boundEndpoints.first))
        let beat = try #require(try socket.receiveMessage(), "no heartbeat within 5 s")
        #expect(beat.string(at: 0) == "heartbeat")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(beat.frames[1])) as? [String: Any])
        #expect((body["epoch"] as? NSNumber)?.int64Value == 4_242)
        #expect((body["seq"] as? NSNumber)?.intValue == 0)
    }

    @Test("segments older than the retention are deleted as new ones start, by the journal's clock")
    func retention() throws {
        let path = try makeTemporaryDirectory("retention")
        defer { removeTemporaryDirectory(path) }
        let clock = ManualClock()
        let journal = try AlertJournal(directory: path, segmentBytes: 4_096, retention: 60_000, clock: clock)
        #expect(journal.epoch == clock.epochMilliseconds)
        func alert(_ seq: UInt64) -> Alert {
            var alert = Alert(seq: seq, id: "r:s:\(seq)", rule: "r", state: .raised, severity: .info, department: "d", key: "s", sensor: "s",
                              district: nil, kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [], message: "m", ts: 1)
            alert.emittedAt = clock.epochMilliseconds
            return alert
        }
        for seq in 1...100 { try journal.append([alert(UInt64(seq))]) }
        clock.advance(seconds: 59)
        for seq in 101...200 { try journal.append([alert(UInt64(seq))]) }
        #expect(try journal.alerts(after: 0).first?.seq == 1)       // a minute has not passed: all kept
        clock.advance(seconds: 3_600)
        for seq in 201...300 { try journal.append([alert(UInt64(seq))]) }
        let kept = try journal.alerts(after: 0)
        // The hour-old segments are gone; only the one the new alerts began in still holds old ones.
        #expect(kept.first.map { $0.seq > 150 } == true)
        #expect(kept.map(\.seq) == Array((kept.first?.seq ?? 0)...300))
        journal.close()
    }

}
