import CityBrainCore
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
        let alertsEndpoint = "ipc:///tmp/citybrain-cli-alerts-\(UUID().uuidString).ipc"
        let alerts = try Socket(context, .sub)
        try alerts.setReceiveTimeout(milliseconds: 20_000)
        try alerts.subscribe("alert.")
        try alerts.connect(alertsEndpoint)

        let process = try CommandRunner.start([
            "run", "--feed", try feed.lastEndpoint, "--alerts", alertsEndpoint, "--await-subscribers", "1", "--deterministic",
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
        #expect(result.stderr.contains("stopped: 11 event(s), 7 rejected (malformed_json=3 non_finite=1 frame_too_large=1 wrong_frame_count=1 topic_mismatch=1), 0 late, 1 alert(s)"))
    }
}
