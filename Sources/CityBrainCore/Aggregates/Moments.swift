/// Count, sum, minimum and maximum (``Totals``) plus mean and the sum of squared deviations,
/// updated with Welford's algorithm and merged with Chan et al.'s formula, so the variance is
/// numerically stable and panes combine into windows as if the events were added one by one
/// (up to floating-point association).
public struct Moments: Sendable, Hashable {
    public private(set) var totals = Totals()
    public private(set) var mean: Double = 0
    /// Σ (x − mean)².
    public private(set) var m2: Double = 0

    public init() {}

    public var count: Int { totals.count }
    public var sum: Double { totals.sum }
    public var minimum: Double { totals.minimum }
    public var maximum: Double { totals.maximum }

    public mutating func add(_ value: Double) {
        totals.add(value)
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
    }

    public mutating func merge(_ other: Moments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let total = count + other.count
        let delta = other.mean - mean
        mean += delta * Double(other.count) / Double(total)
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / Double(total)
        totals.merge(other.totals)
    }

    /// Sample standard deviation (divides by n − 1); `nil` below two values.
    public var sampleStandardDeviation: Double? {
        count >= 2 ? (Swift.max(0, m2) / Double(count - 1)).squareRoot() : nil
    }

    /// Population standard deviation (divides by n); `nil` without values.
    public var populationStandardDeviation: Double? {
        count >= 1 ? (Swift.max(0, m2) / Double(count)).squareRoot() : nil
    }
}

extension Moments: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(totals)
        writer.write(mean)
        writer.write(m2)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        totals = try reader.read()
        mean = try reader.read()
        m2 = try reader.read()
    }
}
