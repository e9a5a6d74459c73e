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
        try read(frames: { start, _, each in try reader.forEachFrame(after: start, each) }, after: start, decoder: decoder, from: from, to: to,
                 batchSize: batchSize, decodingThreads: decodingThreads, statistics: statistics, reporter: reporter, deliver: deliver)
    }

    /// Reads on as a recording grows, until `follower` is stopped; what was read is decoded and
    /// delivered each time the follower catches up with the writer.
    @discardableResult
    public static func follow(
        _ follower: RecordingFollower,
        after start: InputPosition? = nil,
        decoder: FeedDecoder = FeedDecoder(),
        batchSize: Int = 4096,
        decodingThreads: Int = ProcessInfoCores.active,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: @escaping ([Event], InputPosition) -> Void
    ) throws -> RecordingReader.Summary {
        try read(frames: { start, idle, each in try follower.forEachFrame(after: start, idle: idle, each) }, after: start, decoder: decoder,
                 batchSize: batchSize, decodingThreads: decodingThreads, statistics: statistics, reporter: reporter, deliver: deliver)
    }

    /// A source of frames: from a start, calling `idle` when it waits, handing each frame to `each`.
    typealias FrameSource = (InputPosition?, () -> Void, (RecordedFrame, InputPosition) throws -> Bool) throws -> RecordingReader.Summary

    private static func read(
        frames: FrameSource,
        after start: InputPosition?,
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
        func take(_ chunk: consuming DecodedChunk) {
            batcher.accept(consume chunk) { position in "recording \(position)" }
        }
        let pool = decodingThreads > 1
            ? OrderedWorkPool<[(RecordedFrame, InputPosition)], DecodedChunk>(limit: 2 * decodingThreads) { decode($0, with: decoder) }
            : nil
        var chunk: [(RecordedFrame, InputPosition)] = []
        chunk.reserveCapacity(chunkFrames)
        func hand(_ frames: [(RecordedFrame, InputPosition)]) {
            if let pool { pool.submit(frames, consume: take) } else { take(decode(frames, with: decoder)) }
        }
        let each = { (frame: RecordedFrame, position: InputPosition) -> Bool in
            if let from, frame.receivedAt < from { return true }
            if let to, frame.receivedAt > to { return true }
            chunk.append((frame, position))
            if chunk.count == chunkFrames {
                hand(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
            return true
        }
        let summary = try frames(start, {
            // The source waits for more: what sits in a partial chunk or batch goes now.
            if !chunk.isEmpty { hand(chunk) }
            chunk.removeAll(keepingCapacity: true)
            pool?.finish(consume: take)
            batcher.flush()
        }, each)
        if !chunk.isEmpty { hand(chunk) }
        pool?.finish(consume: take)
        batcher.flush()
        return summary
    }

    /// Decodes a chunk of frames, each checked against its topic if it has one.
    static func decode(_ frames: [(RecordedFrame, InputPosition)], with decoder: FeedDecoder) -> DecodedChunk {
        var chunk = DecodedChunk(capacity: frames.count)
        var shapes = FrameShapes()
        for (frame, position) in frames {
            frame.payload.withUnsafeBytes { json in
                chunk.append(decoding: json, topic: frame.topic.isEmpty ? nil : frame.topic, receivedAt: frame.receivedAt, at: position, with: decoder, shapes: &shapes)
            }
        }
        return chunk
    }
}
