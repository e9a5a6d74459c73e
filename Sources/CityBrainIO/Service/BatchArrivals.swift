import CityBrainCore
import Dispatch
import Synchronization

/// When each ingest batch arrived, so an alert's latency is measured from the receive time of
/// its own trigger's batch (``OutputBatch``), exactly, at any rate: a sampled clock
/// (``PositionClock``) charges a position the time of an earlier sample, which at a few events
/// a second is hundreds of milliseconds too early.
///
/// One writer (the ingest thread) records each batch; any thread reads. The newest `capacity`
/// batches are kept (a fixed ring), so memory is fixed; older positions have no time.
public final class BatchArrivals: Sendable {
    private struct Ring {
        /// First position of each batch, the position after it, and its arrival time, by batch
        /// number modulo capacity.
        var starts: [Int64]
        var ends: [Int64]
        var times: [UInt64]
        /// Batches recorded so far.
        var count = 0
        var end: Int64 = 0
    }

    private let capacity: Int
    private let ring: Mutex<Ring>

    public init(capacity: Int = 65_536) {
        precondition(capacity > 0, "BatchArrivals needs room for at least one batch")
        self.capacity = capacity
        ring = Mutex(Ring(starts: Array(repeating: 0, count: capacity), ends: Array(repeating: 0, count: capacity),
                          times: Array(repeating: 0, count: capacity)))
    }

    /// Records that the next `count` positions arrived together at `nanoseconds` (monotonic).
    public func advance(by count: Int, at nanoseconds: UInt64 = SystemClock().uptimeNanoseconds) {
        guard count > 0 else { return }
        ring.withLock { ring in
            let slot = ring.count % capacity
            ring.starts[slot] = ring.end
            ring.end += Int64(count)
            ring.ends[slot] = ring.end
            ring.times[slot] = nanoseconds
            ring.count += 1
        }
    }

    /// Takes back the latest ``advance(by:at:)`` (its batch was not submitted after all). Only
    /// the writer calls it, before any position of that batch can have been asked for.
    public func retractLast() {
        ring.withLock { ring in
            guard ring.count > 0 else { return }
            ring.count -= 1
            let slot = ring.count % capacity
            ring.end = ring.starts[slot]
        }
    }

    /// The arrival time of the batch that held `position`, if it is still kept.
    public func time(of position: Int64) -> UInt64? {
        ring.withLock { ring in
            guard position >= 0, position < ring.end, ring.count > 0 else { return nil }
            // Batches oldest…newest are numbers first..<ring.count; find the first whose end is past the position.
            let first = max(0, ring.count - capacity)
            guard position >= ring.starts[first % capacity] else { return nil }
            var low = first, high = ring.count - 1
            while low < high {
                let middle = (low + high) / 2
                if ring.ends[middle % capacity] > position { high = middle } else { low = middle + 1 }
            }
            return ring.times[low % capacity]
        }
    }
}
