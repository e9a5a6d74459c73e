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
    private let sequencer: Mutex<AlertSequencer>
    private let journal: AlertJournal?
    private let onJournalFailure: @Sendable (any Error) -> Void

    /// - Parameters:
    ///   - deterministic: leave `emitted_at` out, so output depends on input only.
    ///   - journal: when set, numbering continues after its last alert, alerts carry its epoch,
    ///     and every batch is journaled (and synced) before any sink sees it.
    public init(sinks: [any OutputSink], deterministic: Bool, journal: AlertJournal? = nil,
                onJournalFailure: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.sinks = sinks
        self.deterministic = deterministic
        self.journal = journal
        self.onJournalFailure = onJournalFailure
        self.sequencer = Mutex(AlertSequencer(startingAfter: journal?.lastSequence ?? 0))
    }

    /// The journal's epoch, if there is a journal.
    public var epoch: Int64? { journal?.epoch }

    /// The last sequence number handed out.
    public var lastSequence: UInt64 { sequencer.withLock { $0.last } }

    public func handle(_ output: EngineOutput) {
        guard !output.records.isEmpty else { return }
        dispatch(output.records, triggers: output.triggers)
    }

    /// Publishes records that did not come from the engine (operators' actions, escalations):
    /// numbered, journaled and delivered like the engine's, in one order with them.
    public func publish(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        dispatch(alerts.map(OutputRecord.alert), triggers: [])
    }

    /// Numbering, journaling and delivery happen under one lock, so records reach every sink
    /// in sequence order whichever thread publishes them.
    private func dispatch(_ input: [OutputRecord], triggers: [Int64]) {
        var records = input
        let now = deterministic ? nil : Int64(Date().timeIntervalSince1970 * 1000)
        sequencer.withLock { sequencer in
            for index in records.indices {
                guard case .alert(var alert) = records[index] else { continue }
                var one = [alert]
                sequencer.stamp(&one)
                alert = one[0]
                alert.emittedAt = now
                alert.epoch = journal?.epoch
                records[index] = .alert(alert)
            }
            if let journal {
                // Durable before published: a consumer can always fetch what it saw announced.
                do { try journal.append(records.compactMap(\.alert)) } catch { onJournalFailure(error) }
            }
            for sink in sinks { sink.deliver(records, triggers: triggers) }
        }
    }

    /// Closes every sink, and the journal.
    public func close() {
        for sink in sinks { sink.close() }
        journal?.close()
    }
}
