/// A kind of feed a pipeline declares beyond the built-in three (`kinds:` in the file); its
/// measurements are declared with it (``MeasurementDeclaration``).
///
/// ```yaml
/// kinds:
///   water:
///     description: River and canal gauges
///     measurements:
///       level_cm: { unit: cm, range: [-500, 2000], description: Height above the gauge's datum }
/// ```
public struct KindDeclaration: Sendable, Hashable {
    public var kind: EventKind
    public var description: String?

    public init(kind: EventKind, description: String? = nil) {
        self.kind = kind
        self.description = description
    }
}
