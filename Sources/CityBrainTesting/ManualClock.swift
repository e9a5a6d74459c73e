import CityBrainCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A clock that moves only when told to, for tests of what happens after a while (retention,
/// retries, heartbeats, escalations) without waiting for it.
///
/// ``sleep(nanoseconds:)`` moves the clock on by the time asked for and returns at once (after
/// yielding the processor), so a component that sleeps between retries runs through its back-off
/// as fast as the test reads its results.
public final class ManualClock: WallClock {
    private struct Now { var epochMilliseconds: Int64; var uptimeNanoseconds: UInt64 }
    private let now: Mutex<Now>

    /// Starts at `epochMilliseconds` (default 2026-01-01T00:00:00Z) and an uptime of one second.
    public init(epochMilliseconds: Int64 = 1_767_225_600_000) {
        now = Mutex(Now(epochMilliseconds: epochMilliseconds, uptimeNanoseconds: 1_000_000_000))
    }

    public var epochMilliseconds: Int64 { now.withLock { $0.epochMilliseconds } }
    public var uptimeNanoseconds: UInt64 { now.withLock { $0.uptimeNanoseconds } }

    /// Moves both clocks on by `seconds`.
    public func advance(seconds: Double) { advance(nanoseconds: UInt64(seconds * 1e9)) }

    /// Moves both clocks on by `nanoseconds`.
    public func advance(nanoseconds: UInt64) {
        now.withLock {
            $0.uptimeNanoseconds += nanoseconds
            $0.epochMilliseconds += Int64(nanoseconds / 1_000_000)
        }
    }

    public func sleep(nanoseconds: UInt64) {
        advance(nanoseconds: nanoseconds)
        sched_yield()
    }
}
