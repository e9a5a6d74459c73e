/// Least-squares slope of value against event time, in value units per second, and its
/// standard error, kept as co-moments (Welford style) so it is numerically stable and mergeable.
///
/// Times are measured in seconds from an integer origin (the first event's millisecond), so
/// events a millisecond apart keep full precision instead of drowning in the 1.7 × 10⁹ seconds
/// of a Unix timestamp. The co-moments do not depend on the origin, so merging only shifts the mean.
public struct LinearTrend: Sendable, Hashable {
    public private(set) var count: Int = 0
    private var origin: Int64 = 0
    /// Mean time in seconds after `origin`.
    private var meanTime: Double = 0
    private var meanValue: Double = 0
    /// Σ (t − mean t)².
    private var m2Time: Double = 0
    /// Σ (t − mean t)(x − mean x).
    private var coMoment: Double = 0
    /// Σ (x − mean x)².
    private var m2Value: Double = 0

    public init() {}

    public mutating func add(_ value: Double, at milliseconds: Int64) {
        if count == 0 { origin = milliseconds }
        let time = Double(milliseconds - origin) / 1000
        count += 1
        let n = Double(count)
        let deltaTime = time - meanTime
        let deltaValue = value - meanValue
        meanTime += deltaTime / n
        meanValue += deltaValue / n
        m2Time += deltaTime * (time - meanTime)
        coMoment += deltaTime * (value - meanValue)
        m2Value += deltaValue * (value - meanValue)
    }

    public mutating func merge(_ other: LinearTrend) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let a = Double(count), b = Double(other.count), n = a + b
        let otherMeanTime = other.meanTime + Double(other.origin - origin) / 1000
        let deltaTime = otherMeanTime - meanTime
        let deltaValue = other.meanValue - meanValue
        m2Time += other.m2Time + deltaTime * deltaTime * a * b / n
        coMoment += other.coMoment + deltaTime * deltaValue * a * b / n
        m2Value += other.m2Value + deltaValue * deltaValue * a * b / n
        meanTime += deltaTime * b / n
        meanValue += deltaValue * b / n
        count += other.count
    }

    /// Units per second; `nil` with fewer than two distinct times.
    public var slope: Double? {
        guard count >= 2, m2Time > 0 else { return nil }
        return coMoment / m2Time
    }

    /// The standard error of ``slope``, from the residuals about the line:
    /// `√(Σ residual² / (n − 2) / Σ (t − mean t)²)`; 0 when the readings lie exactly on it.
    /// `nil` with fewer than three readings (through two a line always fits, so there is no
    /// residual to judge it by) or fewer than two distinct times.
    ///
    /// A slope several standard errors from zero is a trend; one within a standard error or two
    /// is what noise alone draws through a few readings.
    public var slopeStandardError: Double? {
        guard count >= 3, m2Time > 0 else { return nil }
        let residual = max(0, m2Value - coMoment * coMoment / m2Time)
        return (residual / Double(count - 2) / m2Time).squareRoot()
    }
}

extension LinearTrend: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(count)
        writer.write(origin)
        writer.write(meanTime)
        writer.write(meanValue)
        writer.write(m2Time)
        writer.write(coMoment)
        writer.write(m2Value)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        count = try reader.read()
        origin = try reader.read()
        meanTime = try reader.read()
        meanValue = try reader.read()
        m2Time = try reader.read()
        coMoment = try reader.read()
        m2Value = try reader.read()
    }
}
