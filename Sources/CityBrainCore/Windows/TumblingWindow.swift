/// Fixed-size, non-overlapping event-time windows aligned to the Unix epoch: a 1-minute window
/// covers `[hh:mm:00.000, hh:mm+1:00.000)` in UTC, whatever the first event's time.
public struct TumblingWindow: Sendable, Hashable {
    /// Window length in milliseconds, > 0.
    public let size: Int64

    public init(size: Int64) {
        precondition(size > 0, "window size must be positive")
        self.size = size
    }

    /// Start of the window containing `timestamp` (inclusive).
    @inlinable
    public func start(containing timestamp: Int64) -> Int64 {
        let remainder = timestamp % size
        return remainder >= 0 ? timestamp - remainder : timestamp - remainder - size
    }
}
