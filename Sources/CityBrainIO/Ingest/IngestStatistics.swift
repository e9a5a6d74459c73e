import CityBrainCore
import Synchronization

/// Counters of what ingest accepted and rejected, per reason. Thread-safe; the ingest loop adds
/// once per batch, never per event.
public final class IngestStatistics: Sendable {
    /// A consistent copy of the counters.
    public struct Snapshot: Sendable, Equatable {
        /// Messages received (accepted + rejected).
        public var frames = 0
        public var accepted = 0
        public var rejected: [RejectReason: Int] = [:]
        /// Messages that never arrived, from the gaps in senders' `seq` counters (what libzmq
        /// dropped at a full SUB queue, or lost on the way). Only feeds that carry `seq` count.
        public var lost = 0
        /// Times a sensor's `seq` went back (a restarted sender): counting starts again there.
        public var sequenceRestarts = 0

        public var rejectedTotal: Int { rejected.values.reduce(0, +) }

        public init() {}

        mutating func record(_ rejection: FrameRejection) {
            frames += 1
            rejected[rejection.reason, default: 0] += 1
        }

        mutating func add(_ other: Snapshot) {
            frames += other.frames
            accepted += other.accepted
            for (reason, count) in other.rejected { rejected[reason, default: 0] += count }
            lost += other.lost
            sequenceRestarts += other.sequenceRestarts
        }

        /// `malformed_json=2 missing_field=1`, reasons in a fixed order.
        public var rejectedSummary: String {
            RejectReason.allCases.compactMap { reason in rejected[reason].map { "\(reason.rawValue)=\($0)" } }.joined(separator: " ")
        }
    }

    private let counters = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { counters.withLock { $0 } }

    /// Adds a batch's counts.
    public func add(_ batch: Snapshot) {
        counters.withLock { $0.add(batch) }
    }
}
