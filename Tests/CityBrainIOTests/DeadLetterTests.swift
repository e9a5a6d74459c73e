import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Dead letters")
struct DeadLetterTests {
    @Test("every rejected frame is written with its reason, source, topic and content")
    func deadLetters() throws {
        let directory = try makeTemporaryDirectory("dl")
        defer { removeTemporaryDirectory(directory) }
        let path = directory + "/dead.jsonl"
        let writer = try DeadLetterWriter(path: path)
        let context = try Context()
        let endpoint = "ipc://\(directory)/feed.ipc"
        let statistics = IngestStatistics()
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(pull: [endpoint]), statistics: statistics,
            reporter: RejectionReporter(logger: Logger(label: "dl"), deadLetters: writer), logger: Logger(label: "dl")
        ) { _ in }
        try receiver.start()
        let push = try Socket(context, .push)
        try push.connect(endpoint)
        let good = #"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":40}"#
        try push.send(Message(good))
        try push.send(Message("{nope"))
        try push.send(Message(frames: [[0xFF, 0xFE, 0x00, 0x7B]]))
        try push.send(Message("parking.d01.s", good))
        try push.send(Message(frames: [Array(("{\"kind\":\"traffic\",\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}").utf8)]))
        #expect(eventually { statistics.snapshot.frames == 5 })
        receiver.stop()
        writer.close()

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(records.map { $0["reason"] as? String } == ["malformed_json", "malformed_json", "topic_mismatch", "frame_too_large"])
        #expect(records[0]["payload"] as? String == "{nope")
        #expect(records[0]["source"] as? String == endpoint)
        #expect(records[1]["payload_base64"] as? String == Data([0xFF, 0xFE, 0x00, 0x7B]).base64EncodedString())
        #expect(records[2]["topic"] as? String == "parking.d01.s")
        #expect(records[2]["detail"] as? String == "topic kind 'parking' differs from body kind 'traffic'")
        #expect((records[3]["payload"] as? String)?.utf8.count == DeadLetterWriter.maxPayloadBytes)
        #expect(records[3]["truncated"] as? Bool == true)
    }
}
