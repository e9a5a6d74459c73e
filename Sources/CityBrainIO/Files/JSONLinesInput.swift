import CityBrainCore

/// Feeds a JSON-lines file (one frame per line: a native event, a SenML JSON pack, NGSI-LD
/// entities) through the same decoder and engine as live input. Blank lines are skipped; bad
/// lines are counted and reported as `file:line`. A file has no receive times, so its SenML
/// times must be absolute.
///
/// Lines are decoded in blocks on `decodingThreads` threads and delivered in input order, so the
/// output is the same whatever the thread count.
public enum JSONLinesInput {
    /// Reads every line of `reader` after `start`, delivering decoded events in batches of
    /// `batchSize`, each with the position after its last line.
    public static func read(
        _ reader: LineReader,
        after start: InputPosition = .start,
        decoder: FeedDecoder = FeedDecoder(),
        batchSize: Int = 4096,
        decodingThreads: Int = ProcessInfoCores.active,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: @escaping ([Event], InputPosition) -> Void
    ) throws {
        var batcher = EventBatcher(batchSize: batchSize, statistics: statistics, reporter: reporter, deliver: deliver)
        let name = reader.name
        func take(_ chunk: consuming DecodedChunk) {
            batcher.accept(consume chunk) { position in "\(name):\(position.frame)" }
        }
        let skipped = start.frame
        if decodingThreads > 1 {
            let pool = OrderedWorkPool<LineBlock, DecodedChunk>(limit: 2 * decodingThreads) { decode($0, after: skipped, with: decoder) }
            try reader.forEachBlock { block in
                guard block.firstNumber + block.lines.count - 1 > skipped else { return }
                pool.submit(block, consume: take)
            }
            pool.finish(consume: take)
        } else {
            try reader.forEachBlock { block in take(decode(block, after: skipped, with: decoder)) }
        }
        batcher.flush()
    }

    /// Decodes the lines of `block` numbered after `skipped`, leaving out blank ones.
    static func decode(_ block: LineBlock, after skipped: Int, with decoder: FeedDecoder) -> DecodedChunk {
        var chunk = DecodedChunk(capacity: block.lines.count)
        // Layouts learned afresh for each block: a few frames of a block's thousands.
        var shapes = FrameShapes()
        block.bytes.withUnsafeBytes { bytes in
            for (offset, range) in block.lines.enumerated() {
                let number = block.firstNumber + offset
                guard number > skipped else { continue }
                let line = UnsafeRawBufferPointer(rebasing: bytes[range])
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                chunk.append(decoding: line, at: InputPosition(segment: 0, frame: number), with: decoder, shapes: &shapes)
            }
        }
        return chunk
    }
}
