/// A measurement a pipeline declares for a kind of feed (`measurements:` in the file), beyond the
/// built-in catalogue (``MeasurementLimits``): rules and outputs may then name it.
///
/// ```yaml
/// measurements:
///   environment:
///     river_level_m: { unit: m, range: [-5, 20], description: Gauge height above datum }
/// ```
public struct MeasurementDeclaration: Sendable, Hashable {
    public var kind: EventKind
    public var name: String
    public var unit: String?
    /// Physical range: a reading outside it is left out of the pipeline's rules and outputs (the
    /// event's other readings still count) and counted in
    /// ``EngineStatistics/outOfRangeReadings``.
    public var range: ClosedRange<Double>?
    public var description: String?

    public init(kind: EventKind, name: String, unit: String? = nil, range: ClosedRange<Double>? = nil, description: String? = nil) {
        self.kind = kind
        self.name = name
        self.unit = unit
        self.range = range
        self.description = description
    }
}
