/// One aggregate a rule computes per window, e.g. `mean(speed_kmh)`.
public struct AggregateSlot: Sendable, Hashable {
    public var function: AggregateFunction
    /// Index into the rule's ``Rule/inputs``.
    public var input: Int
    /// Canonical spelling, used as its name in alerts and message templates.
    public var name: String
}
