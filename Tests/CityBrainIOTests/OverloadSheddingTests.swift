import CityBrainCore
@testable import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Synchronization
import Testing
import ZeroMQ

/// What a SUB feed does while the engine is full: it keeps reading, every sensor keeps one
/// reading waiting, further readings are shed and counted by reason and sensor, nothing shed is
/// logged or counted as lost; a PULL feed waits instead.
@Suite("Overload shedding")
struct OverloadSheddingTests {
    let logger = Logger(label: "test")

    static func reading(_ sensor: String, seq: Int, district: String = "d01") -> String {
        #"{"kind":"traffic","sensor":"\#(sensor)","district":"\#(district)","ts":\#(1_732_270_000_000 + Int64(seq) * 1000),"seq":\#(seq),"speed_kmh":40}"#
    }

    @Test("while the engine is full a SUB feed keeps one reading per sensor waiting and sheds the rest, by reason and sensor")
    func subFeedShedsPerSensor() throws {
        let context = try Context()
        let endpoint = "ipc:///tmp/citybrain-shed-\(UInt64.random(in: 0...UInt64.max)).ipc"
        let publisher = try Socket(context, .pub)
        try publisher.bind(endpoint)
        let engineFull = Atomic<Bool>(true)
        let offers = Atomic<Int>(0)
        let delivered = Collector<Event>()
        let logged = Atomic<Int>(0)
        let statistics = IngestStatistics()
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(subscribe: [endpoint]), statistics: statistics,
            reporter: RejectionReporter(logger: logger), logger: logger,
            logFrames: { _, count in logged.add(count, ordering: .relaxed) }
        ) { events, handoff in
            offers.add(1, ordering: .relaxed)
            if handoff == .ifRoom, engineFull.load(ordering: .relaxed) { return false }
            delivered.append(events)
            return true
        }
        try receiver.start()
        defer { receiver.stop() }
        // The slow joiner: publish a probe until the subscription has arrived.
        #expect(eventually {
            _ = try? publisher.send(Message("traffic.d01.probe", Self.reading("probe", seq: 0)))
            return statistics.snapshot.frames > 0
        })
        #expect(eventually { offers.load(ordering: .relaxed) > 0 })  // the engine refused: overloaded from here on
        let before = statistics.snapshot.frames

        // seg-a floods with topics (shed undecoded), seg-b sends bare JSON (decoded, then shed), seg-c once.
        for seq in 0..<100 { try publisher.send(Message("traffic.d01.seg-a", Self.reading("seg-a", seq: seq))) }
        for seq in 0..<10 { try publisher.send(Message(Self.reading("seg-b", seq: seq))) }
        try publisher.send(Message("traffic.d01.seg-c", Self.reading("seg-c", seq: 0)))
        #expect(eventually { statistics.snapshot.frames >= before + 111 })
        let during = statistics.snapshot
        // (Probes the loop above published after the first one are shed too: probe has one waiting.)
        let shedBySensor = Dictionary(uniqueKeysWithValues: statistics.mostShed(10).map { ($0.sensor, $0.readings) })
        #expect(shedBySensor["seg-a"] == 99)
        #expect(shedBySensor["seg-b"] == 9)
        #expect(shedBySensor["seg-c"] == nil)
        #expect(during.shed == [.sensorWaiting: 99 + 9 + (shedBySensor["probe"] ?? 0)])
        #expect(during.lost == 0)  // shed readings arrived: they are not lost in transit
        #expect(statistics.overloadedSince(now: Int64(Date().timeIntervalSince1970 * 1000)) != nil)
        #expect(delivered.count == 0)

        engineFull.store(false, ordering: .relaxed)
        #expect(eventually { delivered.count >= 4 })
        #expect(delivered.all.map(\.sensor).filter { $0 != "probe" } == ["seg-a", "seg-b", "seg-c"])
        #expect(delivered.all.first { $0.sensor == "seg-a" }?.sequence == 0)  // the first reading waited; later ones were shed

        // Room again: everything is taken, and the counter's jump over shed readings is no loss.
        try publisher.send(Message("traffic.d01.seg-a", Self.reading("seg-a", seq: 100)))
        #expect(eventually { delivered.all.contains { $0.sensor == "seg-a" && $0.sequence == 100 } })
        #expect(statistics.snapshot.lost == 0)
        #expect(statistics.snapshot.accepted == delivered.count)
        #expect(logged.load(ordering: .relaxed) == delivered.count)  // shed frames are never in the input log
    }

    @Test("readings that waited for a full engine are handed on in parts of at most the batch size, each logged just before it goes")
    func waitingReadingsGoInParts() throws {
        let context = try Context()
        let endpoint = "ipc:///tmp/citybrain-shed-\(UInt64.random(in: 0...UInt64.max)).ipc"
        let publisher = try Socket(context, .pub)
        try publisher.bind(endpoint)
        // The engine takes as many parts as it has room for, then is full again.
        let room = Atomic<Int>(1)
        let parts = Collector<[Event]>()
        let logged = Collector<Int>()
        let order = Collector<String>()
        let statistics = IngestStatistics()
        var options = FeedReceiver.Options()
        options.batchSize = 4
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(subscribe: [endpoint]), options: options, statistics: statistics,
            reporter: RejectionReporter(logger: logger), logger: logger,
            logFrames: { _, count in logged.append(count); order.append("log \(count)") }
        ) { events, _ in
            guard room.load(ordering: .relaxed) > 0 else { return false }
            room.subtract(1, ordering: .relaxed)
            parts.append(events)
            order.append("part \(events.count)")
            return true
        }
        try receiver.start()
        defer { receiver.stop() }
        #expect(eventually {
            _ = try? publisher.send(Message("traffic.d01.probe", Self.reading("probe", seq: 0)))
            return parts.count == 1
        })
        // Full from now on: ten sensors with a reading each wait (one per sensor, none shed).
        #expect(room.load(ordering: .relaxed) == 0)
        for index in 0..<10 { try publisher.send(Message("traffic.d01.s\(index)", Self.reading("s\(index)", seq: 0))) }
        #expect(eventually { statistics.snapshot.accepted >= 11 && statistics.waiting >= 10 })

        room.store(1, ordering: .relaxed)  // room for one part: four go, the rest wait
        #expect(eventually { parts.count == 2 })
        #expect(parts.all[1].count == 4)
        #expect(eventually { statistics.waiting >= 6 })
        room.store(1, ordering: .relaxed)  // four more go; more readings arrive behind the last ones waiting
        #expect(eventually { parts.count == 3 })
        for index in 0..<5 { try publisher.send(Message("traffic.d01.t\(index)", Self.reading("t\(index)", seq: 0))) }
        #expect(eventually { statistics.snapshot.accepted >= 16 && statistics.waiting >= 7 })
        room.store(100, ordering: .relaxed)
        let sent = (0..<10).map { "s\($0)" } + (0..<5).map { "t\($0)" }
        #expect(eventually { Set(parts.all.dropFirst().joined().map(\.sensor)).isSuperset(of: sent) })
        let after = Array(parts.all.dropFirst())
        #expect(after.allSatisfy { $0.count <= 4 })
        #expect(after.joined().map(\.sensor).filter { $0 != "probe" } == sent)
        // Each part's frames were logged before it went (a refused part's when it was first
        // offered), never more: the input log does not run ahead of what the engine took.
        var (loggedSoFar, takenSoFar) = (0, 0)
        for step in order.all {
            let count = Int(step.split(separator: " ")[1])!
            if step.hasPrefix("log") { loggedSoFar += count } else { takenSoFar += count; #expect(loggedSoFar == takenSoFar, "\(order.all)") }
        }
        #expect(logged.all.reduce(0, +) == parts.all.joined().count)
    }

    @Test("a batch handed on in parts while readings keep arriving holds at most about twice the readings still waiting")
    func waitingBatchStaysBounded() {
        var batch = WaitingBatch(capacity: 4)
        func event(_ number: Int) -> Event {
            Event(kind: .traffic, sensor: "s\(number)", timestamp: 1_732_269_600_000 + Int64(number), readings: [Reading("speed_kmh", 40)])
        }
        var next = 0
        var handedOn: [String] = []
        // The engine always full: each round 4 readings arrive and one part of 4 goes.
        for _ in 0..<10 { batch.append(event(next)); next += 1 }
        for _ in 0..<1_000 {
            for _ in 0..<4 { batch.append(event(next)); next += 1 }
            let part = batch.nextPart(limit: 4)
            #expect(part.events.count == 4)
            handedOn += part.events.map(\.sensor)
            batch.took(part.range)
            #expect(batch.count == 10)
            #expect(batch.events.count <= 2 * batch.count + 4, "the handed-on front is dropped")
        }
        #expect(handedOn == (0..<4_000).map { "s\($0)" })  // in arrival order, none twice
    }

    @Test("a PULL feed is never shed: the loop waits for the engine and the senders get backpressure")
    func pullFeedWaits() throws {
        let context = try Context()
        let endpoint = "ipc:///tmp/citybrain-shed-\(UInt64.random(in: 0...UInt64.max)).ipc"
        let handoffs = Collector<Bool>()
        let delivered = Collector<Event>()
        let statistics = IngestStatistics()
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(pull: [endpoint]), statistics: statistics,
            reporter: RejectionReporter(logger: logger), logger: logger
        ) { events, handoff in
            handoffs.append(handoff == .wait)
            delivered.append(events)
            return true
        }
        try receiver.start()
        defer { receiver.stop() }
        let push = try Socket(context, .push)
        try push.connect(endpoint)
        for seq in 0..<50 { try push.send(Message(Self.reading("seg-a", seq: seq))) }
        #expect(eventually { delivered.count == 50 })
        #expect(handoffs.all.allSatisfy { $0 })
        #expect(statistics.snapshot.shedTotal == 0)
    }

    @Test("the waiting readings are bounded: beyond the limit every reading is shed as backlog_full")
    func backlogIsBounded() {
        var shedder = OverloadShedder(maxWaiting: 3, maxTrackedSensors: 2)
        func admit(_ event: Event, _ waiting: Int) -> Bool { shedder.admit(event, waiting: waiting) }
        func event(_ sensor: String) -> Event { Event(kind: .traffic, sensor: sensor, timestamp: 1_732_269_600_000, readings: [Reading("speed_kmh", 40)]) }
        #expect(admit(event("s1"), 0))  // not overloaded: everything is admitted
        shedder.engineFull(waiting: [event("s1")])
        #expect(!admit(event("s1"), 1))
        #expect(admit(event("s2"), 1))
        #expect(admit(event("s3"), 2))
        #expect(!admit(event("s4"), 3))
        #expect(!admit(event("s5"), 3))
        let counts = shedder.takeCounts()
        let none = shedder.takeCounts()
        #expect(counts?.byReason == [.sensorWaiting: 1, .backlogFull: 2])
        #expect(counts?.bySensor == ["s1": 1, "s4": 1, OverloadShedder.otherSensors: 1])  // two sensors by name, the rest together
        #expect(none == nil)
        shedder.engineTookBatch()
        #expect(admit(event("s1"), 0))
    }
}
