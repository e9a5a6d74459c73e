import CityBrainCore

/// Feeds a JSON-lines file (one native event per line) through the same decoder and engine as
/// live input. Blank lines are skipped; bad lines are counted and reported as `file:line`.
public enum JSONLinesInput {
    /// Reads every line of `reader`, delivering decoded events in batches of `batchSize`.
    public static func read(
        _ reader: LineReader,
        decoder: EventDecoder = EventDecoder(),
        batchSize: Int = 4096,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: ([Event]) -> Void
    ) throws {
        var batch: [Event] = []
        batch.reserveCapacity(batchSize)
        var counts = IngestStatistics.Snapshot()
        try reader.forEachLine { line, number in
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            counts.frames += 1
            do throws(FrameRejection) {
                batch.append(try decoder.decode(json: line))
                counts.accepted += 1
            } catch {
                counts.rejected[error.reason, default: 0] += 1
                reporter.report(error, source: "\(reader.name):\(number)")
            }
            if batch.count >= batchSize {
                statistics.add(counts)
                counts = IngestStatistics.Snapshot()
                deliver(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        statistics.add(counts)
        if !batch.isEmpty { deliver(batch) }
    }
}
