import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Record and replay over ZeroMQ")
struct RecordReplayTests {
    let logger = Logger(label: "record-replay")

    /// A simulated half hour as recorded frames, 2 ms apart in receive time.
    func recordedCity(into path: String) throws -> [RecordedFrame] {
        var simulator = CitySimulator(sensors: 60, seed: 8, start: 1_732_269_600_000, reportInterval: 6_000, jitter: 1_500)
        let frames = simulator.events(until: 1_732_269_600_000 + 30 * 60_000).enumerated().map { index, event in
            RecordedFrame(receivedAt: 1_800_000_000_000 + Int64(index) * 2, topic: Array(FeedTopic.topic(for: event).utf8),
                          payload: Array(EventEncoder.json(event).utf8))
        }
        let writer = try RecordingWriter(directory: path, sources: ["test"], compress: true)
        for frame in frames { try writer.append(frame) }
        try writer.close()
        return frames
    }

    /// A recorder subscribed to a fresh publisher (returned once the subscription has arrived).
    func startRecorder(into path: String, maxBytes: Int? = nil) throws -> (publisher: Socket, recorder: FeedRecorder) {
        let context = try Context()
        let publisher = try Socket(context, .xpub)
        try publisher.setReceiveTimeout(milliseconds: 10_000)
        try publisher.bind("tcp://127.0.0.1:*")
        let recorder = FeedRecorder(context: context, feeds: [try publisher.lastEndpoint],
                                    writer: try RecordingWriter(directory: path, sources: [try publisher.lastEndpoint]), maxBytes: maxBytes, logger: logger)
        try recorder.start()
        _ = try #require(try publisher.receive(), "the recorder did not subscribe")
        return (publisher, recorder)
    }

    @Test("the recorder stores every message as it arrived: topic, payload and receive time")
    func recorder() throws {
        let path = temporaryPath("rr")
        defer { removeTemporaryItem(path) }
        let (publisher, recorder) = try startRecorder(into: path)
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let messages = [Message("traffic.d01.s1", "{\"a\":1}"), Message("{\"single\":true}"), Message("x", "y", "z")] + (0..<500).map { Message("t", "\($0)") }
        for message in messages { try publisher.send(message) }
        #expect(eventually { recorder.progress.frames == messages.count })
        try recorder.stop()
        var frames: [RecordedFrame] = []
        try RecordingReader(path: path).forEachFrame { frames.append($0); return true }
        #expect(frames.count == messages.count)
        #expect(frames[0].topic == Array("traffic.d01.s1".utf8) && frames[0].payload == Array("{\"a\":1}".utf8))
        #expect(frames[1].topic.isEmpty && frames[1].payload == Array("{\"single\":true}".utf8))
        #expect(frames[2].payload == Array("y".utf8))  // a third frame is cut, and counted
        #expect(recorder.progress.truncated == 1)
        #expect(frames.allSatisfy { $0.receivedAt >= before })
        #expect(frames.last?.payload == Array("499".utf8))
    }

    @Test("replay sends the frames in order, whole or within --from/--to")
    func replayOrderAndFilters() throws {
        let path = temporaryPath("rr")
        defer { removeTemporaryItem(path) }
        let frames = try recordedCity(into: path)
        let context = try Context()
        for (from, to) in [(nil, nil), (frames[1_000].receivedAt, frames[1_999].receivedAt)] as [(Int64?, Int64?)] {
            let pull = try Socket(context, .pull)
            try pull.setReceiveTimeout(milliseconds: 10_000)
            try pull.bind("tcp://127.0.0.1:*")
            let replayer = RecordingReplayer(context: context, transport: .push([try pull.lastEndpoint]), logger: logger)
            let sent = try replayer.run(try RecordingReader(path: path), speed: nil, from: from, to: to)
            let expected = try readAll(path).filter { frame in (from.map { frame.receivedAt >= $0 } ?? true) && (to.map { frame.receivedAt <= $0 } ?? true) }
            #expect(sent == expected.count)
            for frame in expected.prefix(1_500) {
                let message = try #require(try pull.receiveMessage())
                #expect(message.frames == [frame.topic, frame.payload])
            }
        }
    }

    func readAll(_ path: String) throws -> [RecordedFrame] {
        var frames: [RecordedFrame] = []
        try RecordingReader(path: path).forEachFrame { frames.append($0); return true }
        return frames
    }

    @Test("the same recording gives the same alerts offline, twice, and replayed at any speed into a live run")
    func determinism() throws {
        let path = temporaryPath("rr")
        defer { removeTemporaryItem(path) }
        _ = try recordedCity(into: path)
        func offline() throws -> [Alert] {
            let sink = CollectingSink()
            _ = try OfflineRun.run(pipeline: try BuiltInPipeline.city(), input: try OfflineRun.Input.open(path), sinks: [sink],
                                   partitions: 2, deterministic: true, logger: logger)
            return sink.alerts
        }
        let reference = try offline()
        #expect(reference.count >= 8)
        #expect(try offline() == reference)

        for speed in [nil, 20.0] as [Double?] {
            let context = try Context()
            let feed = "ipc://" + temporaryPath("rr", suffix: ".ipc")
            let sink = CollectingSink()
            let live = try cityPipeline(context: context, feed: feed, sinks: [sink])
            let replayer = RecordingReplayer(context: context, transport: .push([feed]), logger: logger)
            let sent = try replayer.run(try RecordingReader(path: path), speed: speed)
            #expect(eventually { live.status.ingest.accepted == sent })
            live.stop()
            // Live input has no end, so windows still open at the end are not evaluated: compare
            // the alerts up to the last closed window.
            let cutoff = try #require(live.status.engine.watermark)
            let expected = reference.filter { $0.ts <= cutoff }
            #expect(sink.alerts.map(ExpectedAlert.init) == expected.map(ExpectedAlert.init), "speed \(String(describing: speed))")
        }
    }

    @Test("run --input on a recording honours --from and --to; replay can loop")
    func rangesAndLoops() throws {
        let path = temporaryPath("rr")
        defer { removeTemporaryItem(path) }
        let frames = try recordedCity(into: path)
        let statistics = IngestStatistics()
        var delivered = 0
        let from = frames[100].receivedAt, to = frames[199].receivedAt
        try RecordingInput.read(try RecordingReader(path: path), from: from, to: to, statistics: statistics,
                                reporter: RejectionReporter(logger: logger)) { events, _ in delivered += events.count }
        #expect(delivered == 100)
        #expect(statistics.snapshot.frames == 100)

        let context = try Context()
        let pull = try Socket(context, .pull)
        try pull.bind("tcp://127.0.0.1:*")
        let replayer = RecordingReplayer(context: context, transport: .push([try pull.lastEndpoint]), logger: logger)
        let sent = try replayer.run(try RecordingReader(path: path), speed: nil, from: from, to: to, loops: 3)
        #expect(sent == 300)
        var received = 0
        try pull.setReceiveTimeout(milliseconds: 10_000)
        while received < 300, try pull.receiveMessage() != nil { received += 1 }
        #expect(received == 300)
    }

    @Test("the recorder stops taking frames at its size limit")
    func sizeLimit() throws {
        let path = temporaryPath("rr")
        defer { removeTemporaryItem(path) }
        let (publisher, recorder) = try startRecorder(into: path, maxBytes: 20_000)
        let payload = String(repeating: "x", count: 200)
        for round in 0..<50 {
            for _ in 0..<20 { try publisher.send(Message("t", payload)) }
            usleep(20_000)
            if recorder.isFull { break }
            #expect(round < 49, "the recorder never reached its limit")
        }
        #expect(eventually { recorder.isFull })
        try recorder.stop()
        let frames = recorder.progress.frames
        #expect(frames > 0 && frames < 1_000)
        #expect(try RecordingReader(path: path).forEachFrame { _ in true }.frames == frames)
    }
}
