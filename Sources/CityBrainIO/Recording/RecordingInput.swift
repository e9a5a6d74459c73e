import CityBrainCore

/// Feeds a recording through the same decoder as live input: each frame with its topic and
/// receive time (SenML's relative times resolve against it, as they did live), bad
/// frames counted and reported by position, good events delivered in batches.
///
/// Frames are decoded in chunks on `decodingThreads` threads and delivered in recording order,
/// so the output is the same whatever the thread count.
public enum RecordingInput {
    /// Frames per chunk handed to a decoding thread.
    static let chunkFrames = 2048

    /// Reads every frame whose receive time lies in `from...to` (both optional).
    @discardableResult
    public static func read(
        _ reader: RecordingReader,
        after start: InputPosition? = nil,
        decoder: FeedDecoder = FeedDecoder(),
        from: Int64? = nil,
        to: Int64? = nil,
        batchSize: Int = 4096,
        decodingThreads: Int = ProcessInfoCores.active,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: @escaping ([Event], InputPosition) -> Void
    ) throws -> RecordingReader.Summary {
        var batcher = EventBatcher(batchSize: batchSize, statistics: statistics, reporter: reporter, deliver: deliver)
        func take(_ frames: [DecodedFrame]) {
            for frame in frames {
                batcher.accept(frame.outcome, at: frame.position, source: "recording \(frame.position)") { (frame.topic, frame.payload) }
            }
        }
        let pool = decodingThreads > 1
            ? OrderedWorkPool<[(RecordedFrame, InputPosition)], [DecodedFrame]>(limit: 2 * decodingThreads) { decode($0, with: decoder) }
            : nil
        var chunk: [(RecordedFrame, InputPosition)] = []
        chunk.reserveCapacity(chunkFrames)
        func hand(_ frames: [(RecordedFrame, InputPosition)]) {
            if let pool { pool.submit(frames, consume: take) } else { take(decode(frames, with: decoder)) }
        }
        let summary = try reader.forEachFrame(after: start) { frame, position in
            if let from, frame.receivedAt < from { return true }
            if let to, frame.receivedAt > to { return true }
            chunk.append((frame, position))
            if chunk.count == chunkFrames {
                hand(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
            return true
        }
        if !chunk.isEmpty { hand(chunk) }
        pool?.finish(consume: take)
        batcher.flush()
        return summary
    }

    /// Decodes a chunk of frames, each checked against its topic if it has one.
    static func decode(_ frames: [(RecordedFrame, InputPosition)], with decoder: FeedDecoder) -> [DecodedFrame] {
        frames.map { frame, position in
            frame.payload.withUnsafeBytes { json in
                DecodedFrame(decoding: json, topic: frame.topic.isEmpty ? nil : frame.topic, receivedAt: frame.receivedAt, at: position, with: decoder)
            }
        }
    }
}
