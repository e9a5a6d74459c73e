import CityBrainCore
import Foundation
import Synchronization

/// The alert sink stage: numbers each alert gap-free in emission order, stamps the wall-clock
/// `emitted_at` (unless deterministic), and hands every batch of records to each sink in order.
///
/// Install ``handle(_:)`` as the engine's output handler.
public final class AlertDispatcher: Sendable {
    private let sinks: [any OutputSink]
    private let deterministic: Bool
    private let sequencer = Mutex(AlertSequencer())

    /// - Parameter deterministic: leave `emitted_at` out, so output depends on input only.
    public init(sinks: [any OutputSink], deterministic: Bool) {
        self.sinks = sinks
        self.deterministic = deterministic
    }

    /// The last sequence number handed out.
    public var lastSequence: UInt64 { sequencer.withLock { $0.last } }

    public func handle(_ output: EngineOutput) {
        guard !output.records.isEmpty else { return }
        var records = output.records
        let now = deterministic ? nil : Int64(Date().timeIntervalSince1970 * 1000)
        sequencer.withLock { sequencer in
            for index in records.indices {
                guard case .alert(var alert) = records[index] else { continue }
                var one = [alert]
                sequencer.stamp(&one)
                alert = one[0]
                alert.emittedAt = now
                records[index] = .alert(alert)
            }
        }
        for sink in sinks { sink.deliver(records) }
    }

    /// Closes every sink.
    public func close() {
        for sink in sinks { sink.close() }
    }
}
