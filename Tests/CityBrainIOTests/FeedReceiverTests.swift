import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Dispatch
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Feed receiver")
struct FeedReceiverTests {
    let logger = Logger(label: "test")

    /// A receiver on a fresh ipc PULL endpoint collecting what it delivers, and a PUSH to feed it.
    func startReceiver(_ context: Context, options: FeedReceiver.Options = FeedReceiver.Options())
        throws -> (receiver: FeedReceiver, push: Socket, events: Collector<Event>, statistics: IngestStatistics) {
        let endpoint = "ipc:///tmp/citybrain-test-\(UInt64.random(in: 0...UInt64.max)).ipc"
        let events = Collector<Event>()
        let statistics = IngestStatistics()
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(pull: [endpoint]), options: options, statistics: statistics,
            reporter: RejectionReporter(logger: logger), logger: logger
        ) { events.append($0) }
        try receiver.start()
        let push = try Socket(context, .push)
        try push.connect(endpoint)
        return (receiver, push, events, statistics)
    }

    @Test("bad messages are counted per reason and never stop the good ones around them")
    func badFramesAreCounted() throws {
        let context = try Context()
        var options = FeedReceiver.Options()
        options.maxFrameBytes = 512
        let (receiver, push, events, statistics) = try startReceiver(context, options: options)
        defer { receiver.stop() }
        func good(_ n: Int) -> String { #"{"kind":"traffic","sensor":"seg-\#(n)","district":"d01","ts":1732270000000,"speed_kmh":40}"# }
        let messages: [Message] = [
            Message(good(1)),
            Message("{not json"),
            Message("traffic.d01.seg-2", good(2)),
            Message(#"{"kind":"traffic","ts":1732270000000}"#),
            Message(#"{"kind":"traffic","sensor":"x","ts":1732270000000,"speed_kmh":"fast"}"#),
            Message(#"{"kind":"traffic","sensor":"x","ts":1732270000000,"speed_kmh":NaN}"#),
            Message(#"{"kind":"traffic","sensor":"x","ts":1732270000000,"occupancy":7}"#),
            Message(#"{"kind":"tram","sensor":"x","ts":1732270000000}"#),
            Message("{\"kind\":\"traffic\",\"sensor\":\"x\",\"ts\":1732270000000,\"pad\":\"\(String(repeating: "x", count: 600))\"}"),
            Message("a", "b", "c"),
            Message("parking.d01.seg-3", good(3)),
            Message(good(4)),
        ]
        for message in messages { try push.send(message) }
        #expect(eventually { statistics.snapshot.frames == messages.count })
        let snapshot = statistics.snapshot
        #expect(events.all.map(\.sensor) == ["seg-1", "seg-2", "seg-4"])
        #expect(snapshot.accepted == 3)
        #expect(snapshot.rejected == [
            .malformedJSON: 1, .missingField: 1, .wrongType: 1, .nonFinite: 1, .outOfRange: 1, .unknownKind: 1,
            .frameTooLarge: 1, .wrongFrameCount: 1, .topicMismatch: 1,
        ])
        #expect(snapshot.rejectedSummary == "malformed_json=1 missing_field=1 wrong_type=1 non_finite=1 out_of_range=1 unknown_kind=1 frame_too_large=1 wrong_frame_count=1 topic_mismatch=1")
    }

    @Test("gaps in a sensor's seq counter are counted as lost messages; a counter that goes back is a restart")
    func sequenceGaps() throws {
        let context = try Context()
        let (receiver, push, events, statistics) = try startReceiver(context)
        defer { receiver.stop() }
        func frame(_ sensor: String, _ seq: Int) -> String {
            #"{"kind":"traffic","sensor":"\#(sensor)","ts":1732270000000,"seq":\#(seq),"speed_kmh":40}"#
        }
        // a: 1 2 5 6 (3 and 4 lost); b: 10 13 (two lost), then 1 (restart), 2; c carries no seq.
        let frames = [frame("a", 1), frame("b", 10), frame("a", 2), frame("a", 5), frame("b", 13), frame("a", 6),
                      frame("b", 1), frame("b", 2), #"{"kind":"traffic","sensor":"c","ts":1732270000000}"#]
        for text in frames { try push.send(text) }
        try push.send(#"{"kind":"traffic","sensor":"d","ts":1732270000000,"seq":1.5}"#)
        #expect(eventually { statistics.snapshot.frames == frames.count + 1 })
        let snapshot = statistics.snapshot
        #expect(snapshot.lost == 4)
        #expect(snapshot.sequenceRestarts == 1)
        #expect(snapshot.rejected == [.wrongType: 1])
        #expect(events.all.compactMap(\.sequence) == [1, 10, 2, 5, 13, 6, 1, 2])
        #expect(EventEncoder.json(events.all[0]) == #"{"kind":"traffic","sensor":"a","ts":1732270000000,"seq":1,"speed_kmh":40}"#)
    }

    @Test("an unreachable feed endpoint is reported at start, not later")
    func startFailure() throws {
        let receiver = FeedReceiver(
            context: try Context(), endpoints: FeedEndpoints(pull: ["tcp://256.0.0.1:1"]), statistics: IngestStatistics(),
            reporter: RejectionReporter(logger: logger), logger: logger
        ) { _ in }
        #expect(throws: ZMQError.self) { try receiver.start() }
        receiver.stop()
    }

    @Test("a stop delivers the messages still waiting in the socket's queue; closing would drop them")
    func stopDrainsQueuedMessages() throws {
        let context = try Context()
        let endpoint = "inproc://citybrain-test-drain-\(UInt64.random(in: 0...UInt64.max))"
        let events = Collector<Event>()
        let engineBusy = DispatchSemaphore(value: 0)
        let engineFree = DispatchSemaphore(value: 0)
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(pull: [endpoint]), statistics: IngestStatistics(),
            reporter: RejectionReporter(logger: logger), logger: logger
        ) { batch in
            // The first batch holds the ingest loop, as a busy engine would.
            if events.count == 0 {
                engineBusy.signal()
                engineFree.wait()
            }
            events.append(batch)
        }
        try receiver.start()
        let push = try Socket(context, .push)
        try push.connect(endpoint)
        func frame(_ seq: Int) -> String { #"{"kind":"traffic","sensor":"s","ts":1732270000000,"seq":\#(seq),"speed_kmh":40}"# }
        try push.send(frame(1))
        engineBusy.wait()
        // inproc: each send is in the receiver's queue when it returns.
        for seq in 2...500 { try push.send(frame(seq)) }
        let stopped = DispatchSemaphore(value: 0)
        Thread { receiver.stop(); stopped.signal() }.start()
        // Let the stop be asked for while the loop is held, then free it.
        Thread.sleep(forTimeInterval: 0.2)
        engineFree.signal()
        stopped.wait()
        #expect(events.all.compactMap(\.sequence) == Array(1...500))
        push.close()
    }
}
