/// The longest time a progress counter stood still, from samples of it.
struct StallTracker {
    private var last: Int?
    private var since: UInt64
    /// Nanoseconds.
    private(set) var longest: UInt64 = 0

    init(startingAt start: UInt64) {
        since = start
    }

    /// Takes a sample of the counter at `now`; a standstill counts only while `counting`.
    mutating func observe(_ value: Int, at now: UInt64, counting: Bool = true) {
        if value != last {
            last = value
            since = now
        } else if counting {
            longest = max(longest, now - since)
        }
    }

    var longestSeconds: Double { Double(longest) / 1e9 }
}
