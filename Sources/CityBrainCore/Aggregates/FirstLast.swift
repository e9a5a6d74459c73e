/// The values with the earliest and latest event time. Ties keep the first to arrive for `first`
/// and the last to arrive for `last`.
public struct FirstLast: Sendable, Hashable {
    public private(set) var firstTime: Int64 = .max
    public private(set) var first: Double = .nan
    public private(set) var lastTime: Int64 = .min
    public private(set) var last: Double = .nan

    public init() {}

    public var isEmpty: Bool { firstTime == .max }

    public mutating func add(_ value: Double, at time: Int64) {
        if time < firstTime { firstTime = time; first = value }
        if time >= lastTime { lastTime = time; last = value }
    }

    /// Merges `other`, which arrived after this state's events.
    public mutating func merge(_ other: FirstLast) {
        if other.firstTime < firstTime { firstTime = other.firstTime; first = other.first }
        if other.lastTime >= lastTime { lastTime = other.lastTime; last = other.last }
    }
}
