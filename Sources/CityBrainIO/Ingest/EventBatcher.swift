import CityBrainCore

/// Collects decoded events into batches for the engine, and counts and reports rejections: the
/// step every bounded input (JSON lines, recordings) shares.
struct EventBatcher {
    private let batchSize: Int
    private let statistics: IngestStatistics
    private let reporter: RejectionReporter
    private let deliver: ([Event], InputPosition) -> Void
    private var batch: [Event] = []
    /// The input position after the last frame taken.
    private var position = InputPosition.start
    private var counts = IngestStatistics.Snapshot()

    /// - Parameter deliver: receives each batch and the input position after its last frame.
    init(batchSize: Int, statistics: IngestStatistics, reporter: RejectionReporter, deliver: @escaping ([Event], InputPosition) -> Void) {
        self.batchSize = batchSize
        self.statistics = statistics
        self.reporter = reporter
        self.deliver = deliver
        batch.reserveCapacity(batchSize)
    }

    /// Takes a chunk of decoded frames, in order. `source` names a frame in a rejection report
    /// (`feed.jsonl:17`). All events of a frame go in one batch (which may then pass the batch
    /// size), so a batch's position never splits a frame.
    mutating func accept(_ chunk: consuming DecodedChunk, source: (InputPosition) -> String) {
        // Moved, not copied, into the batch: popped from the end of the reversed array.
        var events = chunk.takeEvents()
        events.reverseByMoving()
        for frame in chunk.frames {
            position = frame.position
            let issue = frame.issue.map { chunk.issues[$0] }
            if let issue, issue.wholeFrame {
                counts.record(issue.rejections[0])
            } else {
                counts.record(accepted: frame.eventCount, rejectedRecords: issue?.rejections ?? [])
            }
            if let issue {
                for rejection in issue.rejections {
                    reporter.report(rejection, source: source(frame.position), topic: issue.topic, payload: issue.payload)
                }
            }
            for _ in 0..<frame.eventCount { batch.append(events.removeLast()) }
            if batch.count >= batchSize { flush() }
        }
    }

    /// Hands over what is collected.
    mutating func flush() {
        statistics.add(counts)
        counts = IngestStatistics.Snapshot()
        guard !batch.isEmpty else { return }
        deliver(batch, position)
        batch.removeAll(keepingCapacity: true)
    }
}
