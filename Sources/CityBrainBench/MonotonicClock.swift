import CityBrainCore
import Dispatch

/// Monotonic nanoseconds, the clock every benchmark time is read from.
@inline(__always)
func monotonicNanoseconds() -> UInt64 { SystemClock().uptimeNanoseconds }
