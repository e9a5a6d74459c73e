import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Feed formats, live")
struct FeedFormatLiveTests {
    let logger = Logger(label: "formats")

    /// A live default pipeline reading `endpoint` (`format@endpoint` names its format).
    func pipeline(_ context: Context, _ endpoint: String, sink: CollectingSink, inputLog: InputLog? = nil) throws -> LivePipeline {
        let live = try LivePipeline(
            context: context,
            configuration: .init(pipeline: try BuiltInPipeline.city(), feeds: try FeedEndpoints.parse(pull: [endpoint]), alertEndpoints: [],
                                 partitions: 2, deterministic: true),
            sinks: [sink], logger: logger)
        try live.start()
        return live
    }

    @Test("the same readings as SenML JSON, SenML CBOR and NGSI-LD give a live pipeline exactly the alerts native JSON gives",
          arguments: [FrameEncoding.senml, .senmlCBOR, .ngsiLD])
    func sameAlertsAsNative(encoding: FrameEncoding) throws {
        let directory = try makeTemporaryDirectory("formats")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        var simulator = CitySimulator(sensors: 60, seed: 31, start: 1_732_269_600_000, reportInterval: 6_000)
        let events = simulator.events(until: 1_732_269_600_000 + 30 * 60_000)

        func alerts(_ encoding: FrameEncoding, format: String) throws -> [String] {
            let sink = CollectingSink()
            let endpoint = "ipc://\(directory)/\(encoding.rawValue).ipc"
            let live = try pipeline(context, "\(format)@\(endpoint)", sink: sink)
            let push = try Socket(context, .push)
            try push.connect(endpoint)
            for event in events {
                let body = try #require(encoding.encode(event))
                try push.send(Message(frames: [Array(FeedTopic.topic(for: event).utf8), body]))
            }
            #expect(eventually(within: 30) { live.status.ingest.accepted == events.count })
            live.stop()
            push.close()
            #expect(live.status.ingest.rejectedTotal == 0)
            return sink.alerts.map(\.json)
        }
        let native = try alerts(.native, format: "native")
        #expect(!native.isEmpty)
        let format = encoding == .ngsiLD ? "ngsi-ld" : "senml"
        #expect(try alerts(encoding, format: format) == native)
    }

    @Test("a pack's bad record is counted, dead-lettered with its frame and index, and its good records go on; the input log holds native frames")
    func badRecordOfAPack() throws {
        let directory = try makeTemporaryDirectory("formats")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let endpoint = "ipc://\(directory)/feed.ipc"
        let deadLetters = try DeadLetterWriter(path: directory + "/dead.jsonl")
        let statistics = IngestStatistics()
        let events = Collector<Event>()
        let logged = Collector<[UInt8]>()
        let receiver = FeedReceiver(
            context: context, endpoints: FeedEndpoints(pull: [endpoint]), statistics: statistics,
            reporter: RejectionReporter(logger: logger, deadLetters: deadLetters), logger: logger,
            logFrames: { records, _ in logged.append(records) }
        ) { batch, _ in
            events.append(batch)
            return true
        }
        try receiver.start()
        let push = try Socket(context, .push)
        try push.connect(endpoint)
        let pack = """
            [{"bn":"traffic.d07.seg-1/","bt":1732270000,"n":"speed","u":"m/s","v":12.5},{"n":"occupancy","u":"Cel","v":3},
             {"bn":"traffic.d07.seg-2/","n":"speed_kmh","v":50}]
            """
        try push.send(Message(pack))
        try push.send(Message(#"{"kind":"traffic","sensor":"seg-3","ts":1732270000000,"speed_kmh":40}"#))
        #expect(eventually { statistics.snapshot.frames == 2 })
        receiver.stop()
        deadLetters.close()

        #expect(events.all == [
            Event(kind: .traffic, sensor: "seg-1", district: "d07", timestamp: 1_732_270_000_000, readings: [Reading("speed_kmh", 45)]),
            Event(kind: .traffic, sensor: "seg-2", district: "d07", timestamp: 1_732_270_000_000, readings: [Reading("speed_kmh", 50)]),
            Event(kind: .traffic, sensor: "seg-3", timestamp: 1_732_270_000_000, readings: [Reading("speed_kmh", 40)]),
        ])
        let snapshot = statistics.snapshot
        #expect(snapshot.accepted == 3)
        #expect(snapshot.rejected == [.unknownUnit: 1])
        let lines = try String(contentsOfFile: directory + "/dead.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(record["reason"] as? String == "unknown_unit")
        #expect(record["detail"] as? String == "record 1: unit 'Cel' does not convert to /, the unit of occupancy")
        #expect(record["payload"] as? String == pack)

        // The log's records are native frames, one per event, that the native decoder reads back.
        // A record: receive time (8 bytes), topic length (2), payload length (4), topic, payload.
        let bytes = logged.all.flatMap { $0 }
        var replayed: [Event] = []
        var offset = 0
        while offset < bytes.count {
            let topicLength = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8
            let payloadLength = (0..<4).reduce(0) { $0 | Int(bytes[offset + 10 + $1]) << (8 * $1) }
            let start = offset + 14 + topicLength
            replayed.append(try EventDecoder().decode(json: Array(bytes[start..<(start + payloadLength)])))
            offset = start + payloadLength
        }
        #expect(replayed == events.all)
    }
}
