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

    /// Takes one decoded frame; `source` names it in a rejection report (`feed.jsonl:17`), and
    /// `frame` gives its bytes for the dead-letter file.
    mutating func accept(_ outcome: Result<Event, FrameRejection>, at position: InputPosition, source: @autoclosure () -> String,
                         frame: () -> (topic: [UInt8]?, payload: [UInt8])) {
        counts.frames += 1
        self.position = position
        switch outcome {
        case .success(let event):
            batch.append(event)
            counts.accepted += 1
        case .failure(let rejection):
            counts.rejected[rejection.reason, default: 0] += 1
            let bytes = frame()
            reporter.report(rejection, source: source(), topic: bytes.topic, payload: bytes.payload)
        }
        if batch.count >= batchSize { flush() }
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
