@testable import CityBrainCore
@testable import CityBrainIO
import Dispatch
import Synchronization
import Testing

/// The alert dispatcher as a stage of its own: the engine hands it output without waiting for the
/// journal or the sinks, and what readers see of it never waits for them either.
@Suite("Alert sink stage")
struct AlertSinkStageTests {
    static let template = Alert(id: "a", rule: "r", state: .raised, severity: .info, department: "d", key: "k", sensor: nil, district: nil,
                                kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [], message: "", ts: 1)

    /// A sink whose first delivery holds the stage until the test lets it go.
    final class HeldSink: OutputSink, Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let delivered = Mutex<[UInt64]>([])
        private let first = Atomic<Bool>(true)
        func deliver(_ records: [OutputRecord]) {
            if first.exchange(false, ordering: .relaxed) {
                entered.signal()
                _ = release.wait(timeout: .now() + 10)
            }
            delivered.withLock { $0 += records.compactMap { $0.alert?.seq } }
        }
        func close() {}
    }

    static func output(_ count: Int) -> EngineOutput {
        EngineOutput(batch: OutputBatch(records: Array(repeating: .alert(template), count: count), triggers: Array(0..<Int64(count))), watermark: nil,
                     events: count, lateEvents: 0, checkpoint: nil)
    }

    @Test("the engine's output is queued while a sink works; lastSequence tells only what was delivered, without waiting; operators' records wait for their own delivery")
    func queuedNotWaited() {
        let sink = HeldSink()
        let dispatcher = AlertDispatcher(sinks: [sink], deterministic: true)
        dispatcher.handle(Self.output(2))
        #expect(sink.entered.wait(timeout: .now() + 5) == .success)  // the stage is inside the sink…
        dispatcher.handle(Self.output(1))                              // …and the engine goes on
        #expect(dispatcher.batchesQueued == 2)
        #expect(dispatcher.lastSequence == 0)                          // numbered, not yet delivered
        sink.release.signal()
        dispatcher.publish([Self.template])                            // after the engine's, in one order
        #expect(sink.delivered.withLock { $0 } == [1, 2, 3, 4])
        #expect(dispatcher.lastSequence == 4 && dispatcher.batchesQueued == 0)
    }
}
