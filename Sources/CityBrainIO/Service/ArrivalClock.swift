import Dispatch
import Synchronization

/// When input positions arrived at ingest, so an alert's ingest→publish latency can be measured
/// from its trigger position. Sampled every 64 events in a ring covering the last million, so
/// it costs one store per 64 events and fixed memory.
public final class ArrivalClock: Sendable {
    static let stride: Int64 = 64
    static let slots = 16_384
    private let times: Mutex<[UInt64]>
    private let next = Atomic<Int64>(0)

    public init() {
        times = Mutex(Array(repeating: 0, count: Self.slots))
    }

    /// Records that `count` events arrived now, after every earlier one.
    public func arrived(_ count: Int, at nanoseconds: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        let first = next.load(ordering: .relaxed)
        let end = first + Int64(count)
        var slot = (first + Self.stride - 1) / Self.stride
        times.withLock { times in
            while slot * Self.stride < end {
                times[Int(slot % Int64(Self.slots))] = nanoseconds
                slot += 1
            }
        }
        next.store(end, ordering: .relaxed)
    }

    /// Arrival time of the sampled event at or before `position`, if still in the ring.
    public func arrival(of position: Int64) -> UInt64? {
        let end = next.load(ordering: .relaxed)
        let slot = position / Self.stride
        let oldest = end / Self.stride - Int64(Self.slots)
        guard position >= 0, (position < end), (slot > oldest) else { return nil }
        return times.withLock { $0[Int(slot % Int64(Self.slots))] }
    }
}
