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
    /// Physical range, documented with the measurement. Not yet enforced: the wire decoder
    /// checks only the built-in catalogue's ranges.
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
