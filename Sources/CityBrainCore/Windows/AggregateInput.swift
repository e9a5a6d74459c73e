/// What one input of an aggregation consumes from each event.
public enum AggregateInput: Sendable, Hashable {
    /// Every event counts once (`count()`).
    case events
    /// A number computed from the event's readings (`mean(occupied / capacity)`).
    case number(EventExpression)
    /// An identifier of the event (`distinct(sensor)`).
    case text(TextField)
}

/// Identifier fields usable by `distinct(…)` and as aggregation keys.
public enum TextField: String, Sendable, Hashable, CaseIterable {
    case sensor
    case district

    func value(of event: Event) -> String? {
        switch self {
        case .sensor: event.sensor
        case .district: event.district
        }
    }
}

/// One input and the state its aggregates need.
public struct InputLayout: Sendable, Hashable {
    public var input: AggregateInput
    public var features: AggregateFeatures
}
