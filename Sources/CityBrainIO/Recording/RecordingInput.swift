import CityBrainCore

/// Feeds a recording through the same decoder as live input: each frame with its topic, bad
/// frames counted and reported by position, good events delivered in batches.
public enum RecordingInput {
    /// Reads every frame whose receive time lies in `from...to` (both optional).
    @discardableResult
    public static func read(
        _ reader: RecordingReader,
        after start: InputPosition? = nil,
        decoder: EventDecoder = EventDecoder(),
        from: Int64? = nil,
        to: Int64? = nil,
        batchSize: Int = 4096,
        statistics: IngestStatistics,
        reporter: RejectionReporter,
        deliver: @escaping ([Event], InputPosition) -> Void
    ) throws -> RecordingReader.Summary {
        var batcher = EventBatcher(batchSize: batchSize, statistics: statistics, reporter: reporter, deliver: deliver)
        let summary = try reader.forEachFrame(after: start) { frame, position in
            if let from, frame.receivedAt < from { return true }
            if let to, frame.receivedAt > to { return true }
            let topic = frame.topic.isEmpty ? nil : frame.topic
            batcher.accept(Result { () throws(FrameRejection) in try decoder.decode(json: frame.payload, topic: topic) }, at: position,
                           source: "recording \(position)") { (topic, frame.payload) }
            return true
        }
        batcher.flush()
        return summary
    }
}
