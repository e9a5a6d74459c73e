@testable import CityBrainCore
@testable import CityBrainIO
import Synchronization
import Testing

/// Swift 6.3 re-wraps a closure kept directly in a `Mutex` value on every `withLock`: a handler
/// called once per batch grew a chain of thunks until a live run crashed (stack overflow) after
/// about 17 000 batches. These run far more batches than that through the handlers on the path.
@Suite("Handlers called for every batch stay as they were, however long the run")
struct LongRunHandlerTests {
    static let batches = 300_000

    @Test("the engine's output forward calls its target once per output, for hundreds of thousands of outputs")
    func outputForward() {
        let forward = OutputForward()
        let count = Atomic<Int>(0)
        forward.connect { _ in count.add(1, ordering: .relaxed) }
        let output = EngineOutput(batch: OutputBatch(), watermark: nil, events: 0, lateEvents: 0, checkpoint: nil)
        for _ in 0..<Self.batches { forward.handle(output) }
        #expect(count.load(ordering: .relaxed) == Self.batches)
    }

    @Test("the dispatcher hands every checkpoint to its callback, for hundreds of thousands of batches")
    func checkpointCallback() {
        let dispatcher = AlertDispatcher(sinks: [], deterministic: true)
        let count = Atomic<Int>(0)
        dispatcher.onCheckpoint { _, _ in count.add(1, ordering: .relaxed) }
        let snapshot = EngineSnapshot(position: 0, partitions: [], router: [], collector: [], statistics: EngineStatistics(), pauseNanoseconds: 0)
        let output = EngineOutput(batch: OutputBatch(), watermark: nil, events: 0, lateEvents: 0, checkpoint: snapshot)
        for _ in 0..<Self.batches { dispatcher.handle(output) }
        dispatcher.drain()
        #expect(count.load(ordering: .relaxed) == Self.batches)
    }
}
