import CityBrainCore
import Dispatch
import Synchronization

/// When input positions passed a point (sent by the load generator, or arrived at ingest), so
/// an alert's latency can be measured from its trigger position (``OutputBatch``).
///
/// One writer advances the positions in order; any thread reads. Times are sampled every
/// `stride` positions: a position is charged the time of the last sampled position at or before
/// it, which is never later than its own, so latencies are never understated. Samples live in a
/// ring of `slots`, so memory is fixed; positions older than the ring have no time.
///
/// `@unchecked Sendable`: the slots are atomics behind a pointer that is allocated once and
/// freed only in `deinit`.
public final class PositionClock: @unchecked Sendable {
    private let stride: Int64
    private let slotCount: Int64
    private let slots: UnsafeMutablePointer<Atomic<UInt64>>
    /// The position after the last one recorded.
    private let next = Atomic<Int64>(0)

    /// - Parameters:
    ///   - stride: positions per sample.
    ///   - slots: samples kept; `stride × slots` positions are timed at any moment.
    public init(stride: Int = 64, slots: Int = 16_384) {
        precondition(stride > 0 && slots > 0, "a position clock needs a positive stride and slot count")
        self.stride = Int64(stride)
        self.slotCount = Int64(slots)
        self.slots = .allocate(capacity: slots)
        for index in 0..<slots { (self.slots + index).initialize(to: Atomic(0)) }
    }

    /// The memory the samples take (all of it resident: the ring is initialised at creation).
    public var byteCount: Int { Int(slotCount) * MemoryLayout<Atomic<UInt64>>.stride }

    deinit {
        slots.deinitialize(count: Int(slotCount))
        slots.deallocate()
    }

    /// Records that the next `count` positions passed at `nanoseconds` (monotonic). Writer only.
    @inline(__always)
    public func advance(by count: Int, at nanoseconds: UInt64 = SystemClock().uptimeNanoseconds) {
        let first = next.load(ordering: .relaxed)
        let end = first + Int64(count)
        var sample = (first + stride - 1) / stride
        while sample * stride < end {
            slots[Int(sample % slotCount)].store(nanoseconds, ordering: .relaxed)
            sample += 1
        }
        next.store(end, ordering: .releasing)
    }

    /// The time of `position`, if it has passed and its sample is still in the ring.
    public func time(of position: Int64) -> UInt64? {
        let end = next.load(ordering: .acquiring)
        let sample = position / stride
        let oldestKept = (end - 1) / stride - slotCount + 1
        guard position >= 0, end > position, sample >= oldestKept else { return nil }
        return slots[Int(sample % slotCount)].load(ordering: .relaxed)
    }
}
