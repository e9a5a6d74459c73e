/// A loaded, checked pipeline: rules, window outputs, and the event-time settings they share.
public struct Pipeline: Sendable, Hashable {
    /// A name for logs, from the file's `name:` (default `pipeline`).
    public var name: String
    public var watermark: WatermarkPolicy
    /// A key that has had no event for this long (in event time) releases all its state, unless
    /// it has an open window or an open alert. `nil` keeps keys forever.
    public var keyTTL: Int64?
    public var rules: [Rule]
    public var outputs: [WindowOutput]
    /// Rules over other rules' alerts, evaluated on the merged alert stream.
    public var correlations: [CorrelationRule]
    /// Storm limits by department.
    public var departments: [String: StormPolicy]

    public init(
        name: String = "pipeline", watermark: WatermarkPolicy = WatermarkPolicy(), keyTTL: Int64? = 3_600_000, rules: [Rule],
        outputs: [WindowOutput] = [], correlations: [CorrelationRule] = [], departments: [String: StormPolicy] = [:]
    ) {
        self.name = name
        self.watermark = watermark
        self.keyTTL = keyTTL
        self.rules = rules
        self.outputs = outputs
        self.correlations = correlations
        self.departments = departments
    }

    /// Rules' and outputs' aggregations, rules first, in file order.
    public var aggregations: [Aggregation] { rules.map(\.aggregation) + outputs.map(\.aggregation) }
}
