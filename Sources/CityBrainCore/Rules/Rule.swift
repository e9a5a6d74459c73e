/// A compiled rule: what it watches, how it aggregates, when it fires, and where its alerts go.
///
/// Rules come from the pipeline file (see ``PipelineLoader``). Each closed window per key is
/// evaluated by the rule's ``kind``; the alert for (rule, key) is **raised** when the rule says
/// open, **updated** when its severity changes while open (see ``escalations``), and **resolved**
/// when the rule says close. After a resolve, the key may not raise again for ``cooldown``.
public struct Rule: Sendable, Hashable {
    public var aggregation: Aggregation
    public var kind: RuleKind
    public var description: String?
    /// Severity when raised.
    public var severity: Severity
    /// Higher severities, with the condition that calls for each, checked from the highest down
    /// while the alert is open.
    public var escalations: [Escalation]
    /// Event time after a resolve during which the same key does not raise again, in ms.
    public var cooldown: Int64
    public var department: String
    public var message: MessageTemplate
    /// The message of a `resolved` alert; by default `Resolved: ` and ``message``.
    public var resolveMessage: MessageTemplate
    /// At most this many alerts of the rule open at once across the city; further raises are
    /// folded into one grouped alert until some resolve. `nil`: no cap.
    public var maxOpen: Int?

    /// A severity and the condition that calls for it.
    public struct Escalation: Sendable, Hashable {
        public var severity: Severity
        public var condition: Condition

        public init(severity: Severity, condition: Condition) {
            self.severity = severity
            self.condition = condition
        }
    }

    public init(
        aggregation: Aggregation, kind: RuleKind, description: String? = nil, severity: Severity, escalations: [Escalation] = [],
        cooldown: Int64 = 0, department: String, message: MessageTemplate, resolveMessage: MessageTemplate? = nil
    ) {
        self.aggregation = aggregation
        self.kind = kind
        self.description = description
        self.severity = severity
        self.escalations = escalations.sorted { $0.severity > $1.severity }
        self.cooldown = cooldown
        self.department = department
        self.message = message
        self.resolveMessage = resolveMessage ?? MessageTemplate(segments: [.text("Resolved: ")] + message.segments)
    }

    /// Unique within the pipeline.
    public var name: String { aggregation.name }

    /// The severity the window's values call for: the highest escalation that holds, else the
    /// base severity.
    func severity(for values: [Double?]) -> Severity {
        escalations.first { $0.condition.evaluate(values) }?.severity ?? severity
    }

    /// The comparison whose sides an alert reports as `value` and `threshold`.
    var reportedComparison: (value: WindowExpression, threshold: WindowExpression)? {
        switch kind {
        case .threshold(let when, _), .sustained(let when, _, _): when.primaryComparison
        case .outlier(let value, _, _, _, _, _): (value, value)
        case .anomaly, .stuck, .trend: (.aggregate(0), .aggregate(0))
        case .silent: nil
        }
    }
}
