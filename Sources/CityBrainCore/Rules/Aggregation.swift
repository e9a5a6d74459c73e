/// What rules and outputs have in common: which events, keyed how, windowed how, aggregated how.
public struct Aggregation: Sendable, Hashable {
    /// The rule's or output's name.
    public var name: String
    public var filter: EventFilter
    /// What the windows are per: each sensor, or each district.
    public var keyBy: TextField
    public var window: WindowPolicy
    /// Distinct inputs of the aggregates.
    public var inputs: [InputLayout]
    /// The aggregates computed per window.
    public var slots: [AggregateSlot]

    public init(name: String, filter: EventFilter, keyBy: TextField = .sensor, window: WindowPolicy, inputs: [InputLayout], slots: [AggregateSlot]) {
        self.name = name
        self.filter = filter
        self.keyBy = keyBy
        self.window = window
        self.inputs = inputs
        self.slots = slots
    }
}
