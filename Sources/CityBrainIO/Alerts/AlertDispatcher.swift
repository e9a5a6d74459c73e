import CityBrainCore
import Foundation
import Synchronization

/// The alert sink stage: numbers each alert gap-free in emission order, stamps the wall-clock
/// `emitted_at` (unless deterministic), and hands the batch to every sink in order.
///
/// Install ``handle(_:)`` as the engine's output handler.
public final class AlertDispatcher: Sendable {
    private let sinks: [any AlertSink]
    private let deterministic: Bool
    private let sequencer = Mutex(AlertSequencer())

    /// - Parameter deterministic: leave `emitted_at` out, so output depends on input only.
    public init(sinks: [any AlertSink], deterministic: Bool) {
        self.sinks = sinks
        self.deterministic = deterministic
    }

    /// The last sequence number handed out.
    public var lastSequence: UInt64 { sequencer.withLock { $0.last } }

    public func handle(_ output: EngineOutput) {
        guard !output.alerts.isEmpty else { return }
        var alerts = output.alerts
        sequencer.withLock { $0.stamp(&alerts) }
        if !deterministic {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for index in alerts.indices { alerts[index].emittedAt = now }
        }
        for sink in sinks { sink.deliver(alerts) }
    }

    /// Closes every sink.
    public func close() {
        for sink in sinks { sink.close() }
    }
}
