import Dispatch
import Synchronization

/// When each frame left the generator, sampled every ``stride`` frames: frame `n` is charged the
/// send time of frame `n - n % stride`, which is never later than its own, so latencies are
/// never understated. The sender writes a slot before sending the frames it covers; readers on
/// other threads read slots of frames already processed, which the socket hand-over orders.
public final class SendTimeline: @unchecked Sendable {
    public static let stride = 16
    private let slots: UnsafeMutablePointer<UInt64>
    private let capacity: Int
    /// Frames covered so far (slots written × stride).
    private let recorded = Atomic<Int>(0)

    /// - Parameter frames: the most frames the run can send; later frames are not timed.
    public init(frames: Int) {
        capacity = max(1, frames / Self.stride + 1)
        slots = .allocate(capacity: capacity)
    }

    deinit { slots.deallocate() }

    /// Records the monotonic time (ns) of frame `index`, if it starts a slot.
    @inline(__always)
    public func record(frame index: Int, at nanoseconds: UInt64) {
        guard index % Self.stride == 0 else { return }
        let slot = index / Self.stride
        guard slot < capacity else { return }
        slots[slot] = nanoseconds
        recorded.store(slot + 1, ordering: .releasing)
    }

    /// The send time of input position `position`, if it was timed.
    public func sendTime(of position: Int64) -> UInt64? {
        guard position >= 0 else { return nil }
        let slot = Int(position) / Self.stride
        guard slot < recorded.load(ordering: .acquiring) else { return nil }
        return slots[slot]
    }
}

/// Monotonic nanoseconds.
@inline(__always)
func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
