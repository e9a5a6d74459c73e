import CityBrainCore
import Synchronization

/// Counters of what ingest accepted and rejected, per reason. Thread-safe; the ingest loop adds
/// once per batch, never per event.
public final class IngestStatistics: Sendable {
    /// A consistent copy of the counters.
    public struct Snapshot: Sendable, Equatable {
        /// Messages received.
        public var frames = 0
        /// Events accepted: one per native frame, one per sensor and time of a SenML pack or
        /// an NGSI-LD entity array.
        public var accepted = 0
        /// Frames rejected, and records of packs or entity arrays rejected on their own.
        public var rejected: [RejectReason: Int] = [:]
        /// Messages that never arrived, from the gaps in senders' `seq` counters (what libzmq
        /// dropped at a full SUB queue, or lost on the way). Only feeds that carry `seq` count.
        public var lost = 0
        /// Times a sensor's `seq` went back (a restarted sender): counting starts again there.
        public var sequenceRestarts = 0
        /// Intact readings shed because the engine was full (SUB feeds only; see ``OverloadShedder``).
        public var shed: [ShedReason: Int] = [:]
        /// Well-formed events left to other shards (``ShardFilter``); not among ``accepted``.
        public var otherShards = 0
        /// Events decoded per kind, when the receiver counts them (``FeedReceiver/Options/countKinds``).
        public var decodedByKind: [EventKind: Int] = [:]

        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
        public var shedTotal: Int { shed.values.reduce(0, +) }

        public init() {}

        mutating func record(_ rejection: FrameRejection) {
            frames += 1
            rejected[rejection.reason, default: 0] += 1
        }

        /// Counts a frame's content: its events, and the records rejected on their own.
        mutating func record(_ content: FrameContent) {
            switch content {
            case .event, .converted: record(accepted: 1, rejectedRecords: [])
            case .events(let events, let rejections): record(accepted: events.count, rejectedRecords: rejections)
            }
        }

        /// Counts a frame that gave `accepted` events, leaving out the records of `rejectedRecords`.
        mutating func record(accepted: Int, rejectedRecords: [FrameRejection]) {
            frames += 1
            self.accepted += accepted
            for rejection in rejectedRecords { rejected[rejection.reason, default: 0] += 1 }
        }

        mutating func add(_ other: Snapshot) {
            frames += other.frames
            accepted += other.accepted
            for (reason, count) in other.rejected { rejected[reason, default: 0] += count }
            lost += other.lost
            sequenceRestarts += other.sequenceRestarts
            for (reason, count) in other.shed { shed[reason, default: 0] += count }
            otherShards += other.otherShards
            for (kind, count) in other.decodedByKind { decodedByKind[kind, default: 0] += count }
        }

        /// Counts a frame's events by kind.
        mutating func countKinds(_ content: FrameContent) {
            switch content {
            case .event(let event), .converted(let event): decodedByKind[event.kind, default: 0] += 1
            case .events(let events, _): for event in events { decodedByKind[event.kind, default: 0] += 1 }
            }
        }

        /// `sensor_waiting=120 backlog_full=3`, reasons in a fixed order.
        public var shedSummary: String {
            ShedReason.allCases.compactMap { reason in shed[reason].map { "\(reason.rawValue)=\($0)" } }.joined(separator: " ")
        }

        /// `malformed_json=2 missing_field=1`, reasons in a fixed order.
        public var rejectedSummary: String {
            RejectReason.allCases.compactMap { reason in rejected[reason].map { "\(reason.rawValue)=\($0)" } }.joined(separator: " ")
        }
    }

    /// Shed readings by sensor (bounded: see ``OverloadShedder``), and the overload's span.
    private struct Overload {
        var bySensor: [String: Int] = [:]
        /// Wall time (Unix ms) of the first shed of the current overload, and of the latest shed.
        var since: Int64?
        var lastShed: Int64 = .min
    }

    private let counters = Mutex(Snapshot())
    private let waitingNow = Atomic<Int>(0)

    /// Readings waiting in the ingest loop for a full engine, now.
    public var waiting: Int { waitingNow.load(ordering: .relaxed) }

    func setWaiting(_ count: Int) { waitingNow.store(count, ordering: .relaxed) }
    private let overload = Mutex(Overload())
    /// Sensors whose shed readings are counted by name; the rest count as one.
    static let maxShedSensors = 10_000
    /// An overload is over once nothing has been shed for this long (ms).
    public static let overloadQuietMilliseconds: Int64 = 5_000

    public init() {}

    public var snapshot: Snapshot { counters.withLock { $0 } }

    /// Adds a batch's counts.
    public func add(_ batch: Snapshot) {
        counters.withLock { $0.add(batch) }
    }

    /// Moves `count` accepted events to ``Snapshot/otherShards``: a shard left them to others.
    func leftToOtherShards(_ count: Int) {
        guard count > 0 else { return }
        counters.withLock {
            $0.accepted -= count
            $0.otherShards += count
        }
    }

    /// Adds readings shed at `now` (Unix ms), by sensor.
    func addShed(bySensor: [String: Int], at now: Int64) {
        overload.withLock { overload in
            if overload.since == nil || now - overload.lastShed > Self.overloadQuietMilliseconds { overload.since = now }
            overload.lastShed = now
            for (sensor, count) in bySensor {
                let name = overload.bySensor[sensor] != nil || overload.bySensor.count < Self.maxShedSensors ? sensor : OverloadShedder.otherSensors
                overload.bySensor[name, default: 0] += count
            }
        }
    }

    /// When the current overload began (Unix ms), or `nil` when nothing was shed in the last
    /// ``overloadQuietMilliseconds``.
    public func overloadedSince(now: Int64) -> Int64? {
        overload.withLock { overload in
            guard let since = overload.since, now - overload.lastShed <= Self.overloadQuietMilliseconds else { return nil }
            return since
        }
    }

    /// The `count` sensors with the most shed readings since start, most first (ties by name).
    public func mostShed(_ count: Int) -> [(sensor: String, readings: Int)] {
        let all = overload.withLock { $0.bySensor }
        return all.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count).map { ($0.key, $0.value) }
    }
}
