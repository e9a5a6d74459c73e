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
    /// `frame` gives its bytes for the dead-letter file. All events of a frame go in one batch
    /// (which may then pass the batch size), so a batch's position never splits a frame.
    mutating func accept(_ outcome: Result<FrameContent, FrameRejection>, at position: InputPosition, source: @autoclosure () -> String,
                         frame: () -> (topic: [UInt8]?, payload: [UInt8])) {
        self.position = position
        switch outcome {
        case .success(.event(let event)), .success(.converted(let event)):
            counts.frames += 1
            counts.accepted += 1
            batch.append(event)
        case .success(let content):
            counts.record(content)
            batch += content.events
            if !content.rejected.isEmpty {
                let bytes = frame()
                for rejection in content.rejected { reporter.report(rejection, source: source(), topic: bytes.topic, payload: bytes.payload) }
            }
        case .failure(let rejection):
            counts.record(rejection)
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
