/// A compiled rule: what it watches, how it aggregates, when it fires, and where its alerts go.
///
/// Rules come from the pipeline file (see ``PipelineLoader``). At each close of a tumbling window
/// per key, the rule evaluates ``condition``; the alert for (rule, key) is raised when it becomes
/// true and resolved when ``clearCondition`` (by default: `not condition`) holds.
public struct Rule: Sendable, Hashable {
    /// Unique within the pipeline: `[a-z0-9_.-]+`.
    public var name: String
    public var description: String?
    public var filter: EventFilter
    public var window: TumblingWindow
    /// Distinct per-event inputs of the aggregates; `nil` counts events.
    public var inputs: [EventExpression?]
    /// The aggregates computed per window.
    public var slots: [AggregateSlot]
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
        name: String, description: String? = nil, filter: EventFilter, window: TumblingWindow,
        inputs: [EventExpression?], slots: [AggregateSlot], condition: Condition, clearCondition: Condition? = nil,
        severity: Severity, department: String, message: MessageTemplate, resolveMessage: MessageTemplate? = nil
    ) {
        self.name = name
        self.description = description
        self.filter = filter
        self.window = window
        self.inputs = inputs
        self.slots = slots
        self.condition = condition
        self.clearCondition = clearCondition
        self.severity = severity
        self.department = department
        self.message = message
        self.resolveMessage = resolveMessage ?? MessageTemplate(segments: [.text("Resolved: ")] + message.segments)
    }

    /// The slot values of a closed window, in slot order.
    public func slotValues(_ accumulators: UnsafeBufferPointer<Accumulator>) -> [Double?] {
        slots.map { accumulators[$0.input].value(of: $0.function) }
    }

    /// Whether an open alert should resolve given the window's values.
    public func clears(_ values: [Double?]) -> Bool {
        if let clearCondition { return clearCondition.evaluate(values) }
        return !condition.evaluate(values)
    }
}
