/// Running count, sum, minimum and maximum of one input over one window: 32 bytes that answer
/// every ``AggregateFunction`` and merge with another accumulator (for panes and scale-out).
public struct Accumulator: Sendable, Hashable {
    public private(set) var count: Int = 0
    public private(set) var sum: Double = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    public init() {}

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
    }

    /// Combines another accumulator's inputs into this one.
    public mutating func merge(_ other: Accumulator) {
        count += other.count
        sum += other.sum
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// The aggregate's value, or `nil` for anything but `count` when there was no input.
    public func value(of function: AggregateFunction) -> Double? {
        if function == .count { return Double(count) }
        guard count > 0 else { return nil }
        switch function {
        case .count: return Double(count)
        case .sum: return sum
        case .mean: return sum / Double(count)
        case .min: return minimum
        case .max: return maximum
        }
    }
}
