import CityBrainCore

/// Feeds a recording through the same decoder as live input: each frame with its topic, bad
/// frames counted and reported by position, good events delivered in batches.
public enum RecordingInput {
    /// Reads every frame whose receive time lies in `from...to` (both optional).
    @discardableResult
    public static func read(
        _ reader: RecordingReader,
        decoder: EventDecoder = EventDecoder(),
        from: Int64? = nil,
        to: Int64? = nil,
        batchSize: Int = 4096,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: ([Event]) -> Void
    ) throws -> RecordingReader.Summary {
        var batch: [Event] = []
        batch.reserveCapacity(batchSize)
        var counts = IngestStatistics.Snapshot()
        var index = 0
        let summary = try reader.forEachFrame { frame in
            index += 1
            if let from, frame.receivedAt < from { return true }
            if let to, frame.receivedAt > to { return true }
            counts.frames += 1
            do throws(FrameRejection) {
                batch.append(try decoder.decode(json: frame.payload, topic: frame.topic.isEmpty ? nil : frame.topic))
                counts.accepted += 1
            } catch {
                counts.rejected[error.reason, default: 0] += 1
                reporter.report(error, source: "recording frame \(index)")
            }
            if batch.count >= batchSize {
                statistics.add(counts)
                counts = IngestStatistics.Snapshot()
                deliver(batch)
                batch.removeAll(keepingCapacity: true)
            }
            return true
        }
        statistics.add(counts)
        if !batch.isEmpty { deliver(batch) }
        return summary
    }
}
