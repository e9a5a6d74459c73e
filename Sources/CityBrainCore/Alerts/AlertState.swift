/// Where an alert is in its lifecycle.
public enum AlertState: String, Sendable, Hashable, Codable, CaseIterable {
    /// The condition became true: the alert opens.
    case raised
    /// Still open, with a changed severity or value band.
    case updated
    /// The condition cleared, or an operator closed the case (then ``Alert/handling`` says who).
    case resolved
    /// An operator has seen the alert and taken it on (``Alert/handling`` says who and when).
    case acknowledged
    /// An operator handed the alert to someone (``Alert/handling`` names them).
    case assigned
    /// Nobody acknowledged the alert within its severity's time limit.
    case escalated

    /// Whether the engine's rules produce this state (the others come from operators' handling).
    public var isRuleState: Bool { self == .raised || self == .updated || self == .resolved }
}
