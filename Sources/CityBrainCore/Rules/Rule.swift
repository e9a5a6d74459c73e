/// A compiled rule: what it watches, how it aggregates, when it fires, and where its alerts go.
///
/// Rules come from the pipeline file (see ``PipelineLoader``). At each window close per key,
/// the rule evaluates ``condition``; the alert for (rule, key) is raised when it becomes true and
/// resolved when ``clearCondition`` (by default: `not condition`) holds.
public struct Rule: Sendable, Hashable {
    public var aggregation: Aggregation
    public var description: String?
    /// Raise when true.
    public var condition: Condition
    /// Resolve when true; `nil` means `not condition` (no hysteresis).
    public var clearCondition: Condition?
    public var severity: Severity
    public var department: String
    public var message: MessageTemplate
    /// The message of a `resolved` alert; by default `Resolved: ` and ``message``.
    public var resolveMessage: MessageTemplate

    public init(
        aggregation: Aggregation, description: String? = nil, condition: Condition, clearCondition: Condition? = nil,
        severity: Severity, department: String, message: MessageTemplate, resolveMessage: MessageTemplate? = nil
    ) {
        self.aggregation = aggregation
        self.description = description
        self.condition = condition
        self.clearCondition = clearCondition
        self.severity = severity
        self.department = department
        self.message = message
        self.resolveMessage = resolveMessage ?? MessageTemplate(segments: [.text("Resolved: ")] + message.segments)
    }

    /// Unique within the pipeline.
    public var name: String { aggregation.name }

    /// Whether an open alert should resolve given the window's values.
    public func clears(_ values: [Double?]) -> Bool {
        if let clearCondition { return clearCondition.evaluate(values) }
        return !condition.evaluate(values)
    }
}
