import CityBrainCore
#if canImport(Glibc)
import Glibc
#endif

/// Polls `condition` every few milliseconds until it holds or `seconds` pass: for network tests,
/// where no event time can tell that bytes have crossed a socket. Bounded, never a bare sleep.
/// Returns whether the condition held.
public func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let clock = SystemClock(), deadline = clock.uptimeNanoseconds + UInt64(seconds * 1e9)
    while clock.uptimeNanoseconds < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}
