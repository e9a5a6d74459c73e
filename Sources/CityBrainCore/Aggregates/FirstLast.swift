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

extension FirstLast: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(firstTime)
        writer.write(first)
        writer.write(lastTime)
        writer.write(last)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        firstTime = try reader.read()
        first = try reader.read()
        lastTime = try reader.read()
        last = try reader.read()
    }
}
