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
    /// The storm limit of every department not in ``departments`` (`departments: { default: … }`
    /// in the file): 20 raises a minute unless the pipeline says otherwise.
    public var defaultStorm: StormPolicy? = StormPolicy(limit: 20, window: 60_000)
    /// The city's time zone, for time-of-day profiles (`timezone:`; default UTC).
    public var timeZone: LocalTimeZone = .utc
    /// Kinds of feed the pipeline declares beyond the built-in three (`kinds:`).
    public var kinds: [KindDeclaration] = []
    /// Measurements the pipeline declares beyond the built-in catalogue (`measurements:`, and
    /// the `measurements:` of each declared kind).
    public var measurements: [MeasurementDeclaration] = []
    /// The files it was loaded from (empty when built in code): a checkpoint keeps them, so a
    /// restart can rebuild the pipeline the state belongs to and reload the current one over it.
    public var sources: [PipelineSource] = []

    /// `max_open` by rule name, for the rules that set it.
    public var openAlertCaps: [String: Int] {
        Dictionary(rules.compactMap { rule in rule.maxOpen.map { (rule.name, $0) } }, uniquingKeysWith: min)
    }

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

    /// Every kind the pipeline accepts: the built-in ones, then the declared ones in file order.
    public var knownKinds: [EventKind] { EventKind.builtIn + kinds.map(\.kind) }

    /// The kinds and measurements with their units, for decoding the standard feed formats.
    public var catalogue: MeasurementCatalogue { MeasurementCatalogue(kinds: knownKinds, measurements: measurements) }

    /// Rules' and outputs' aggregations, rules first, in file order.
    public var aggregations: [Aggregation] { rules.map(\.aggregation) + outputs.map(\.aggregation) }
}

extension Pipeline {
    /// How far from what it expected anomaly rule `name` alerts, in spreads (its `z`): the
    /// expected band drawn with its series. `nil` when no anomaly rule has that name.
    public func anomalyBandWidth(of name: String) -> Double? {
        for rule in rules where rule.name == name {
            if case .anomaly(let settings) = rule.kind { return settings.z }
        }
        return nil
    }
}
