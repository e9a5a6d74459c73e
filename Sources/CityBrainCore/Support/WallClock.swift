import Dispatch
import Foundation

/// The one place the process asks what time it is: the time of day for timestamps (an alert's
/// `ts`, a journal's epoch, a dead letter's `received_at`) and the monotonic time for durations
/// and deadlines (heartbeats, retries, checkpoints every so often, status lines).
///
/// Components that act on time take a clock (``SystemClock`` by default), so a test can hand them
/// a manual one and move time on instead of sleeping. Event time never comes from here: the engine's
/// time is its events'.
public protocol WallClock: Sendable {
    /// Milliseconds since the Unix epoch.
    var epochMilliseconds: Int64 { get }
    /// Nanoseconds since an unspecified start; never goes back.
    var uptimeNanoseconds: UInt64 { get }
    /// Waits `nanoseconds` of this clock's time (a manual clock moves itself on instead).
    func sleep(nanoseconds: UInt64)
}

extension WallClock {
    /// Seconds since an unspecified start, for rates and elapsed times.
    public var uptimeSeconds: Double { Double(uptimeNanoseconds) / 1e9 }

    /// Seconds since `start` (an earlier ``uptimeNanoseconds``).
    public func seconds(since start: UInt64) -> Double { Double(uptimeNanoseconds &- start) / 1e9 }

    /// Waits `seconds` of this clock's time.
    public func sleep(seconds: Double) { sleep(nanoseconds: UInt64(max(0, seconds) * 1e9)) }

    /// Waits up to `seconds` in short steps, returning early once `stop` holds; returns whether
    /// the whole time passed.
    @discardableResult
    public func sleep(seconds: Double, unless stop: () -> Bool) -> Bool {
        let deadline = uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        while !stop() {
            let now = uptimeNanoseconds
            guard now < deadline else { return true }
            sleep(nanoseconds: min(deadline - now, 10_000_000))
        }
        return false
    }
}

/// The operating system's clocks: `gettimeofday` for the time of day, `CLOCK_MONOTONIC` (through
/// Dispatch) for durations.
public struct SystemClock: WallClock {
    public init() {}
    public var epochMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
    public var uptimeNanoseconds: UInt64 { DispatchTime.now().uptimeNanoseconds }
    public func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}

extension WallClock where Self == SystemClock {
    /// The operating system's clocks.
    public static var system: SystemClock { SystemClock() }
}
