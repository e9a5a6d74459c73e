import CityBrainCore
import CityBrainTesting
@testable import CityBrainIO
import Foundation
import Logging
import Synchronization
import Testing

@Suite("Parallel decoding keeps the input's order")
struct ParallelDecodingTests {
    @Test("results come back in submission order, with at most `limit` items in flight, whatever each one's duration")
    func orderedPool() {
        let running = Atomic<Int>(0), mostRunning = Atomic<Int>(0)
        let pool = OrderedWorkPool<Int, Int>(limit: 3) { item in
            let now = running.add(1, ordering: .relaxed).newValue
            _ = mostRunning.max(now, ordering: .relaxed)
            usleep(UInt32((item * 7_919) % 5) * 1_000)  // uneven work: later items often finish first
            running.subtract(1, ordering: .relaxed)
            return item * item
        }
        var results: [Int] = []
        for item in 0..<200 { pool.submit(item) { results.append($0) } }
        pool.finish { results.append($0) }
        #expect(results == (0..<200).map { $0 * $0 })
        #expect(mostRunning.load(ordering: .relaxed) <= 3)
    }

    @Test("a recording decoded on several threads gives what one thread gives, topics and rejections included")
    func recording() throws {
        let path = temporaryPath("parallel")
        defer { removeTemporaryItem(path) }
        var simulator = CitySimulator(sensors: 100, seed: 4, start: 1_732_269_600_000, reportInterval: 5_000)
        let events = simulator.events(until: 1_732_269_600_000 + 20 * 60_000)
        let writer = try RecordingWriter(directory: path, sources: ["test"], segmentBytes: 256 << 10, blockFrames: 300)
        for (index, event) in events.enumerated() {
            var payload = Array(EventEncoder.json(event).utf8)
            var topic = Array(FeedTopic.topic(for: event).utf8)
            if index % 501 == 0 { payload = Array("{\"kind\":".utf8) }    // malformed
            if index % 777 == 0 { topic = Array("traffic.d01.another".utf8) }  // topic mismatch
            if index % 3 == 1 { topic = [] }                                // no topic frame
            try writer.append(RecordedFrame(receivedAt: 1_800_000_000_000 + Int64(index), topic: topic, payload: payload))
        }
        try writer.close()
        func read(threads: Int) throws -> (batches: [[Event]], positions: [InputPosition], rejected: [RejectReason: Int]) {
            let statistics = IngestStatistics()
            var batches: [[Event]] = [], positions: [InputPosition] = []
            try RecordingInput.read(try RecordingReader(path: path), batchSize: 700, decodingThreads: threads, statistics: statistics,
                                    reporter: RejectionReporter(logger: Logger(label: "t"))) { batches.append($0); positions.append($1) }
            return (batches, positions, statistics.snapshot.rejected)
        }
        let one = try read(threads: 1), two = try read(threads: 2)
        #expect(events.count > 2 * RecordingInput.chunkFrames)
        #expect(two.batches == one.batches)
        #expect(two.positions == one.positions)
        #expect(two.rejected == one.rejected)
        #expect(one.rejected[.malformedJSON, default: 0] > 0)
        #expect(one.rejected[.topicMismatch, default: 0] > 0)
    }
}
