/// The aggregates a rule can compute over a window.
public enum AggregateFunction: String, Sendable, Hashable, CaseIterable {
    /// `count()` counts events; `count(x)` counts events that carry `x`.
    case count
    case sum
    case mean
    case min
    case max

    /// Accepted spellings, including aliases (`avg` for `mean`).
    public static func named(_ name: String) -> AggregateFunction? {
        name == "avg" ? .mean : AggregateFunction(rawValue: name)
    }
}
