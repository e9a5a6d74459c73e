import CityBrainCore

/// Feeds a JSON-lines file (one native event per line) through the same decoder and engine as
/// live input. Blank lines are skipped; bad lines are counted and reported as `file:line`.
public enum JSONLinesInput {
    /// Reads every line of `reader` after `start`, delivering decoded events in batches of
    /// `batchSize`, each with the position after its last line.
    public static func read(
        _ reader: LineReader,
        after start: InputPosition = .start,
        decoder: EventDecoder = EventDecoder(),
        batchSize: Int = 4096,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: @escaping ([Event], InputPosition) -> Void
    ) throws {
        var batcher = EventBatcher(batchSize: batchSize, statistics: statistics, reporter: reporter, deliver: deliver)
        try reader.forEachLine { line, number in
            if number <= start.frame { return }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            batcher.accept(Result { () throws(FrameRejection) in try decoder.decode(json: line) }, at: InputPosition(segment: 0, frame: number),
                           source: "\(reader.name):\(number)") {
                (nil, Array(line))
            }
        }
        batcher.flush()
    }
}
