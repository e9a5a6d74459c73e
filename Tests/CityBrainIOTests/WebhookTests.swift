import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Webhooks")
struct WebhookTests {
    let logger = Logger(label: "webhooks")

    @Test("the signature is HMAC-SHA256 of '<timestamp>.<body>' (checked against Python's hmac)")
    func signature() {
        let signature = WebhookSignature(secret: Array("city-secret".utf8))
        #expect(signature.sign(Array(#"{"seq":1}"#.utf8), timestamp: 1_732_270_000)
            == "sha256=0d2cf5c369995853054ad113c0da406eb68dc76c30c584add66539355ee777e6")
    }

    @Test("targets parse as [department,…=]URL; anything else is refused with the reason")
    func targets() throws {
        let all = try WebhookTarget.parse("https://dispatch.example/hook").get()
        #expect(all.departments.isEmpty && all.takes(department: "anyone"))
        let police = try WebhookTarget.parse("traffic-police,parking=http://127.0.0.1:8080/x").get()
        #expect(police.departments == ["traffic-police", "parking"])
        #expect(!police.takes(department: "environment"))
        #expect(throws: WebhookTargetError.self) { try WebhookTarget.parse("ftp://x/y").get() }
        #expect(throws: WebhookTargetError.self) { try WebhookTarget.parse("traffic=notaurl").get() }
    }

    /// A live default pipeline with a journal in `directory` delivering to `url`.
    func pipeline(_ context: Context, directory: String, feed: String, url: String, epoch: Int64) throws -> LivePipeline {
        var configuration = LivePipeline.Configuration(
            pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(pull: [feed]), alertEndpoints: [], partitions: 2, deterministic: true,
            journal: try AlertJournal(directory: directory + "/journal", epoch: epoch))
        configuration.webhooks = [try WebhookTarget.parse(url).get()]
        configuration.webhookSignature = WebhookSignature(secret: Array("city-secret".utf8))
        configuration.webhookSettings.initialBackoff = 0.02
        configuration.webhookSettings.maxBackoff = 0.1
        configuration.webhookSettings.timeout = 5
        let live = try LivePipeline(context: context, configuration: configuration, logger: logger)
        try live.start()
        return live
    }

    @Test("a receiver that fails, is slow and restarts gets every alert exactly once and in order, across a CityBrain restart too")
    func failingSlowRestartingReceiver() throws {
        let directory = try makeTemporaryDirectory("webhooks")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        var simulator = CitySimulator(sensors: 60, seed: 31, start: 1_732_269_600_000, reportInterval: 6_000)
        let phases = [20, 45].map { simulator.events(until: 1_732_269_600_000 + Int64($0) * 60_000) }
        func feed(_ events: [Event], to live: LivePipeline, endpoint: String) throws {
            let push = try Socket(context, .push)
            try push.connect(endpoint)
            let before = live.status.ingest.accepted
            for event in events { try push.send(Message(EventEncoder.json(event))) }
            #expect(eventually(within: 20) { live.status.ingest.accepted == before + events.count })
            live.drain()
            push.close()
        }

        // First run: the receiver refuses three requests, then answers slowly, then restarts.
        receiver.failNext(3)
        receiver.setDelay(0.02)
        let feed1 = "ipc://\(directory)/feed-1.ipc"
        let first = try pipeline(context, directory: directory, feed: feed1, url: receiver.url, epoch: 1_000)
        try feed(phases[0], to: first, endpoint: feed1)
        #expect(eventually(within: 20) { receiver.delivered.count >= 3 })
        try receiver.restart(after: 0.3)
        #expect(eventually(within: 20) { receiver.delivered.count == Int(first.status.lastSequence) })
        let firstRun = first.status.lastSequence
        #expect(firstRun > 3)
        #expect(first.status.webhooks.first?.failedAttempts ?? 0 >= 3)
        first.stop()

        // Second run on the same journal: it resumes at the cursor, re-sending nothing.
        let feed2 = "ipc://\(directory)/feed-2.ipc"
        let second = try pipeline(context, directory: directory, feed: feed2, url: receiver.url, epoch: 2_000)
        try feed(phases[1], to: second, endpoint: feed2)
        #expect(eventually(within: 20) { second.status.lastSequence > firstRun && receiver.delivered.count == Int(second.status.lastSequence) })
        second.stop()

        let deliveries = receiver.delivered
        #expect(deliveries.map(\.seq) == (1...UInt64(deliveries.count)).map { Optional($0) })  // each once, in order, none lost
        let signature = WebhookSignature(secret: Array("city-secret".utf8))
        for delivery in deliveries {
            let timestamp = try #require(delivery.headers["x-citybrain-timestamp"].flatMap { Int64($0) })
            #expect(delivery.headers["x-citybrain-signature"] == signature.sign(delivery.body, timestamp: timestamp))
            let alert = try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
            #expect((alert["seq"] as? NSNumber)?.uint64Value == delivery.seq)
        }
        #expect(receiver.requests > deliveries.count)  // the refusals and the restart were retried
    }

    @Test("a department's target gets only that department's alerts; a restarted deliverer resumes at its cursor; a new one starts at the journal's end")
    func departmentsAndCursor() throws {
        let directory = try makeTemporaryDirectory("webhooks")
        defer { removeTemporaryDirectory(directory) }
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let journal = try AlertJournal(directory: directory + "/journal", epoch: 1)
        func alert(_ seq: UInt64, _ department: String) -> Alert {
            Alert(seq: seq, id: "r:s:\(seq)", rule: "r", state: .raised, severity: .info, department: department, key: "s", sensor: "s",
                  district: nil, kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [], message: "m", ts: Int64(seq))
        }
        try journal.append([alert(1, "parking-management")])  // before the target existed: not delivered
        var settings = WebhookDeliverer.Settings()
        settings.pollInterval = 0.005
        func deliverer() throws -> WebhookDeliverer {
            WebhookDeliverer(target: try WebhookTarget.parse("traffic-police=\(receiver.url)").get(), journal: journal,
                             stateDirectory: directory + "/webhooks", settings: settings, logger: logger)
        }
        let first = try deliverer()
        try first.start()
        try journal.append([alert(2, "traffic-police"), alert(3, "parking-management"), alert(4, "traffic-police")])
        #expect(first.waitUntilDelivered(within: 10))
        first.stop()
        #expect(receiver.delivered.map(\.seq) == [2, 4])
        #expect(first.statistics.cursor == 4 && first.statistics.delivered == 2)

        try journal.append([alert(5, "parking-management"), alert(6, "traffic-police")])
        let second = try deliverer()
        try second.start()
        #expect(second.waitUntilDelivered(within: 10))
        second.stop()
        #expect(receiver.delivered.map(\.seq) == [2, 4, 6])  // resumed after 4: nothing sent twice
        journal.close()
    }

    @Test("a refused delivery is retried after 1, 2, 4, 4 s of the deliverer's clock (doubling up to the cap), and signed with that clock's time")
    func backoff() throws {
        let directory = try makeTemporaryDirectory("webhooks-backoff")
        defer { removeTemporaryDirectory(directory) }
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let journal = try AlertJournal(directory: directory + "/journal", epoch: 1)
        let clock = ManualClock(epochMilliseconds: 1_767_225_600_000)
        var settings = WebhookDeliverer.Settings()
        settings.pollInterval = 0.005
        settings.initialBackoff = 1
        settings.maxBackoff = 4
        let deliverer = WebhookDeliverer(target: try WebhookTarget.parse(receiver.url).get(), journal: journal,
                                         signature: WebhookSignature(secret: Array("city-secret".utf8)),
                                         stateDirectory: directory + "/webhooks", settings: settings, clock: clock, logger: logger)
        try deliverer.start()
        receiver.failNext(4)
        try journal.append([Alert(seq: 1, id: "r:s:1", rule: "r", state: .raised, severity: .info, department: "d", key: "s", sensor: "s",
                                  district: nil, kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [],
                                  message: "m", ts: 1)])
        #expect(deliverer.waitUntilDelivered(within: 10))
        deliverer.stop()
        #expect(receiver.requests == 5)
        #expect(deliverer.statistics.failedAttempts == 4)
        #expect(clock.epochMilliseconds == 1_767_225_600_000 + 11_000)  // 1 + 2 + 4 + 4 s, not one real second
        #expect(receiver.delivered.first?.headers["x-citybrain-timestamp"] == "1767225611")
        journal.close()
    }

    @Test("alerts the journal's retention deleted before delivery are counted as expired, and delivery goes on after them")
    func expiredByRetention() throws {
        let directory = try makeTemporaryDirectory("webhooks-expired")
        defer { removeTemporaryDirectory(directory) }
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        // Small segments and a one-hour retention: the alerts below are from 1970, so every closed
        // segment is past it as soon as the journal rotates.
        let journal = try AlertJournal(directory: directory + "/journal", segmentBytes: 4_096, retention: 3_600_000, epoch: 1)
        func alert(_ seq: UInt64) -> Alert {
            Alert(seq: seq, id: "r:s:\(seq)", rule: "r", state: .raised, severity: .info, department: "traffic-police", key: "s", sensor: "s",
                  district: nil, kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [],
                  message: String(repeating: "m", count: 200), ts: Int64(seq))
        }
        var settings = WebhookDeliverer.Settings()
        settings.pollInterval = 0.005
        func deliverer() throws -> WebhookDeliverer {
            WebhookDeliverer(target: try WebhookTarget.parse(receiver.url).get(), journal: journal, stateDirectory: directory + "/webhooks",
                             settings: settings, logger: logger)
        }
        try journal.append([alert(1)])
        let first = try deliverer()
        try first.start()  // a new target: its cursor is the journal's end, 1
        first.stop()
        // While no deliverer runs, 60 alerts are journaled; rotation deletes the closed segments.
        for seq in 2...61 { try journal.append([alert(UInt64(seq))]) }
        let kept = try journal.alerts(after: 0)
        let oldest = try #require(kept.first?.seq)
        #expect(oldest > 2)
        let second = try deliverer()
        try second.start()
        #expect(second.waitUntilDelivered(within: 10))
        second.stop()
        #expect(second.statistics.expired == oldest - 2)
        #expect(receiver.delivered.map(\.seq) == Array(oldest...61))
        journal.close()
    }
}
