/// A named stream of window results: every closed (or late-updated) window's aggregates,
/// written by `citybrain run --emit windows`.
public struct WindowOutput: Sendable, Hashable {
    /// Its aggregates always start with `count()`, the events in the window.
    public var aggregation: Aggregation
    public var description: String?

    public init(aggregation: Aggregation, description: String? = nil) {
        self.aggregation = aggregation
        self.description = description
    }

    public var name: String { aggregation.name }
}
