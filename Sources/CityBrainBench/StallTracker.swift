/// The longest time a progress counter stood still, from samples of it.
///
/// A standstill is counted only once the counter has moved: before that the feed is still being
/// joined (a SUB socket's subscription takes a few hundred milliseconds to reach the sender),
/// which is a start-up wait, not a stall under load.
struct StallTracker {
    private var last: Int?
    /// When the counter last changed; `nil` until it first has.
    private var since: UInt64?
    /// Nanoseconds.
    private(set) var longest: UInt64 = 0

    init() {}

    /// Takes a sample of the counter at `now`; a standstill counts only while `counting`.
    mutating func observe(_ value: Int, at now: UInt64, counting: Bool = true) {
        defer { last = value }
        guard let last else { return }
        if value != last {
            since = now
        } else if counting, let since {
            longest = max(longest, now - since)
        }
    }

    var longestSeconds: Double { Double(longest) / 1e9 }
}
