/// The aggregates a rule or output can compute over a window.
public enum AggregateFunction: String, Sendable, Hashable, CaseIterable {
    /// `count()` counts events; `count(x)` counts events that carry `x`.
    case count
    case sum
    case mean
    case min
    case max
    /// Sample standard deviation (n − 1), Welford's algorithm.
    case stddev
    /// Population standard deviation (n).
    case stddevPopulation = "stddev_pop"
    /// The value with the earliest event time.
    case first
    /// The value with the latest event time.
    case last
    /// Seconds between the earliest and the latest reading.
    case span
    /// Least-squares slope of the value against event time, per second.
    case slope
    /// The standard error of ``slope``: the slope is a trend, not noise, when it lies several
    /// standard errors from zero. Needs three readings.
    case slopeStandardError = "slope_se"
    /// Quantiles from a DDSketch, within 1 % of the exact value.
    case p50, p90, p95, p99
    /// Distinct values (exact to 2 048, then HyperLogLog within 2 %); also takes `sensor` or
    /// `district`.
    case distinct

    /// Accepted spellings, including aliases (`avg` for `mean`).
    public static func named(_ name: String) -> AggregateFunction? {
        name == "avg" ? .mean : AggregateFunction(rawValue: name)
    }

    /// The state beyond count/sum/min/max/mean/variance that this aggregate needs.
    var features: AggregateFeatures {
        switch self {
        case .count, .sum, .mean, .min, .max: []
        case .stddev, .stddevPopulation: .variance
        case .first, .last, .span: .edges
        case .slope, .slopeStandardError: .trend
        case .p50, .p90, .p95, .p99: .sketch
        case .distinct: .distinct
        }
    }

    var quantile: Double? {
        switch self {
        case .p50: 0.5
        case .p90: 0.9
        case .p95: 0.95
        case .p99: 0.99
        default: nil
        }
    }
}

/// Optional parts of an ``AggregateState``, allocated only for the aggregates that need them.
public struct AggregateFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let edges = AggregateFeatures(rawValue: 1)
    public static let trend = AggregateFeatures(rawValue: 2)
    public static let sketch = AggregateFeatures(rawValue: 4)
    public static let distinct = AggregateFeatures(rawValue: 8)
    public static let variance = AggregateFeatures(rawValue: 16)
}
