/// A rule over other rules' open alerts within a district: raised when the pattern holds,
/// resolved when it stops holding.
///
/// - `allOf`: every named rule has at least one open alert in the district (congestion on a
///   segment while a garage nearby is full → divert to park-and-ride);
/// - `atLeast` of one rule: that many of its alerts are open in the district at once (three air
///   stations breaching together → one district alert). With `suppressMembers`, member alerts of
///   that district are folded into the district alert while it is open instead of being published.
public struct CorrelationRule: Sendable, Hashable {
    public enum Pattern: Sendable, Hashable {
        case allOf([String])
        case atLeast(Int, of: String)
    }

    public var name: String
    public var description: String?
    public var pattern: Pattern
    public var suppressMembers: Bool
    public var severity: Severity
    public var department: String
    public var message: MessageTemplate
    public var resolveMessage: MessageTemplate

    public init(
        name: String, description: String? = nil, pattern: Pattern, suppressMembers: Bool = false, severity: Severity,
        department: String, message: MessageTemplate, resolveMessage: MessageTemplate? = nil
    ) {
        self.name = name
        self.description = description
        self.pattern = pattern
        self.suppressMembers = suppressMembers
        self.severity = severity
        self.department = department
        self.message = message
        self.resolveMessage = resolveMessage ?? MessageTemplate(segments: [.text("Resolved: ")] + message.segments)
    }

    /// The rules whose alerts it watches.
    public var members: [String] {
        switch pattern {
        case .allOf(let rules): rules
        case .atLeast(_, let rule): [rule]
        }
    }
}
