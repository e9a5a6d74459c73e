import CityBrainCore
@testable import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing

@Suite("Recordings")
struct RecordingTests {
    func frames(_ count: Int) -> [RecordedFrame] {
        var simulator = CitySimulator(sensors: 40, seed: 3, start: 1_732_269_600_000, reportInterval: 6_000)
        return simulator.events(until: 1_732_269_600_000 + Int64(count) * 150).prefix(count).enumerated().map { index, event in
            RecordedFrame(receivedAt: 1_800_000_000_000 + Int64(index) * 3, topic: index % 3 == 0 ? [] : Array(FeedTopic.topic(for: event).utf8),
                          payload: Array(EventEncoder.json(event).utf8))
        }
    }

    func readAll(_ path: String) throws -> ([RecordedFrame], RecordingReader.Summary) {
        var read: [RecordedFrame] = []
        let summary = try RecordingReader(path: path).forEachFrame { read.append($0); return true }
        return (read, summary)
    }

    @Test("frames come back exactly, raw or compressed, across rotated segments", arguments: [false, true])
    func roundTrip(compress: Bool) throws {
        let path = temporaryPath("rec")
        defer { removeTemporaryItem(path) }
        let written = frames(5_000)
        let writer = try RecordingWriter(directory: path, sources: ["tcp://127.0.0.1:5556"], compress: compress, segmentBytes: 64 << 10, blockFrames: 100)
        for frame in written { try writer.append(frame) }
        try writer.close()
        let (read, summary) = try readAll(path)
        #expect(read == written)
        #expect(summary == RecordingReader.Summary(frames: 5_000, tornBytes: 0))
        let reader = try RecordingReader(path: path)
        #expect(reader.segments.count >= 2)  // rotated (compressed data needs fewer segments)
        #expect(reader.header["compression"] as? String == (compress ? "zlib" : "none"))
        #expect(RecordingReader.isRecording(path))
        #expect(RecordingReader.isRecording(reader.segments[0].path))
    }

    @Test("reading resumes exactly after any position, across segments, as a restarted run does")
    func resumeAfterPosition() throws {
        let path = temporaryPath("rec")
        defer { removeTemporaryItem(path) }
        let written = frames(3_000)
        let writer = try RecordingWriter(directory: path, sources: ["test"], segmentBytes: 64 << 10, blockFrames: 100)
        for frame in written { try writer.append(frame) }
        try writer.close()
        var positions: [InputPosition] = []
        try RecordingReader(path: path).forEachFrame(after: nil) { _, position in
            positions.append(position)
            return true
        }
        #expect(positions.count == written.count)
        #expect(Set(positions.map(\.segment)).count >= 2)
        #expect(positions == positions.sorted())
        for cut in [0, 1, 99, 100, 1_234, 2_999] {
            var rest: [RecordedFrame] = []
            try RecordingReader(path: path).forEachFrame(after: positions[cut]) { frame, _ in
                rest.append(frame)
                return true
            }
            #expect(rest == Array(written[(cut + 1)...]), "after frame \(cut) (\(positions[cut]))")
        }
    }

    @Test("a torn tail is detected when reading and trimmed when the recording is reopened; nothing before it is lost")
    func tornTail() throws {
        let path = temporaryPath("rec")
        defer { removeTemporaryItem(path) }
        let written = frames(1_000)
        let writer = try RecordingWriter(directory: path, sources: [], blockFrames: 100)
        for frame in written { try writer.append(frame) }
        try writer.close()
        // A crash in the middle of writing the last block: cut it short.
        let segment = try RecordingReader(path: path).segments[0]
        let size = try FileManager.default.attributesOfItem(atPath: segment.path)[.size] as! Int
        let handle = try FileHandle(forWritingTo: segment)
        try handle.truncate(atOffset: UInt64(size - 50))
        try handle.close()

        let (read, summary) = try readAll(path)
        #expect(read == Array(written.prefix(900)))  // the first nine blocks, whole
        #expect(summary.tornBytes > 0)

        let reopened = try RecordingWriter(directory: path, sources: [], blockFrames: 100)
        #expect(reopened.trimmedBytes == summary.tornBytes)
        for frame in written.suffix(100) { try reopened.append(frame) }
        try reopened.close()
        let (after, afterSummary) = try readAll(path)
        #expect(after == Array(written.prefix(900)) + Array(written.suffix(100)))
        #expect(afterSummary.tornBytes == 0)
    }

    @Test("garbage is not a recording")
    func notARecording() throws {
        let path = temporaryPath("file", suffix: ".jsonl")
        try #"{"kind":"traffic"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { removeTemporaryItem(path) }
        #expect(!RecordingReader.isRecording(path))
        #expect(throws: (any Error).self) { try RecordingReader(path: path) }
    }

    @Test("a recording of SenML CBOR packs with relative times replays at the times they were received, like the live run read them")
    func senmlRecordingUsesReceiveTimes() throws {
        let path = temporaryPath("rec")
        defer { removeTemporaryItem(path) }
        // Two packs, times relative to receipt: "now", and two seconds before "now".
        var pack = CBORWriter()
        pack.arrayHeader(count: 2)
        pack.mapHeader(count: 3)
        pack.integer(-2); pack.text("parking.d03.garage-12/")
        pack.integer(0); pack.text("occupied")
        pack.integer(2); pack.number(412)
        pack.mapHeader(count: 3)
        pack.integer(0); pack.text("capacity")
        pack.integer(6); pack.number(-2)
        pack.integer(2); pack.number(450)
        let writer = try RecordingWriter(directory: path, sources: ["test"])
        try writer.append(RecordedFrame(receivedAt: 1_800_000_000_000, topic: [], payload: pack.bytes))
        try writer.close()
        var events: [Event] = []
        try RecordingInput.read(try RecordingReader(path: path), decodingThreads: 1, statistics: IngestStatistics(),
                                reporter: RejectionReporter(logger: .init(label: "rec"))) { batch, _ in events += batch }
        #expect(events == [
            Event(kind: .parking, sensor: "garage-12", district: "d03", timestamp: 1_800_000_000_000, readings: [Reading("occupied", 412)]),
            Event(kind: .parking, sensor: "garage-12", district: "d03", timestamp: 1_799_999_998_000, readings: [Reading("capacity", 450)]),
        ])
    }

    @Test("following a recording as it is written: every frame once, in order, across segments, a writer's crash and restart, and from a position")
    func follow() throws {
        let directory = try makeTemporaryDirectory("follow")
        defer { removeTemporaryDirectory(directory) }
        func frame(_ number: Int) -> RecordedFrame {
            RecordedFrame(receivedAt: 1_800_000_000_000 + Int64(number), topic: Array("traffic.d01.s".utf8), payload: Array("{\"n\":\(number)}".utf8))
        }
        let follower = RecordingFollower(directory: directory, pollMilliseconds: 5)
        let seen = Collector<(Int64, InputPosition)>()
        let reading = Thread { _ = try? follower.forEachFrame(after: nil, idle: {}) { frame, position in seen.append((frame.receivedAt, position)); return true } }
        reading.start()
        var writer: RecordingWriter? = try RecordingWriter(directory: directory, sources: ["test"], segmentBytes: 4_096, blockFrames: 7)
        for number in 0..<300 {
            try writer?.append(frame(number))
            if number % 50 == 0 { try writer?.flush(); usleep(2_000) }
        }
        try writer?.flush()
        // A crash in the middle of a block: half of one written, the writer gone.
        let last = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.sorted().last)
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/" + last))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([40, 0, 0, 0, 1, 2, 3]))
        try handle.close()
        writer = nil
        usleep(20_000)
        // The restarted writer trims the torn block and goes on in a new segment.
        let restarted = try RecordingWriter(directory: directory, sources: ["test"], segmentBytes: 4_096, blockFrames: 7)
        for number in 300..<400 { try restarted.append(frame(number)) }
        try restarted.close()
        #expect(eventually(within: 10) { seen.count >= 400 })
        usleep(50_000)
        follower.stop()
        let times = seen.all.map { Int($0.0 - 1_800_000_000_000) }
        #expect(times == Array(0..<400))
        #expect(Set(seen.all.map { $0.1.segment }).count > 3)

        // From a position (a checkpoint's): the frames after it, and no other.
        let middle = seen.all[249].1
        let again = RecordingFollower(directory: directory, pollMilliseconds: 5)
        var after: [Int] = []
        try again.forEachFrame(after: middle, idle: { again.stop() }) { frame, _ in
            after.append(Int(frame.receivedAt - 1_800_000_000_000))
            return true
        }
        #expect(after == Array(250..<400))
    }
}
