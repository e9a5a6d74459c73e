import CityBrainCore
/// One alert's lifecycle as the operations centre handles it: what the rules said last, and who
/// acknowledged, assigned and resolved it, when. Times are wall clock, Unix ms.
public struct AlertCase: Sendable, Hashable {
    /// Where the case stands for the operators.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// Raised, nobody has acknowledged it yet.
        case open
        /// Someone took it on (it may also be assigned).
        case acknowledged
        /// Closed, by its rule or by an operator.
        case resolved
    }

    public var id: String { alert.id }
    /// The latest rule alert of this lifecycle (raised or updated; resolved once closed).
    public var alert: Alert
    public var status: Status
    /// When the board first saw it raised.
    public var openedAt: Int64
    /// Acknowledge by then, or it is escalated and counts as late.
    public var deadline: Int64
    public var acknowledged: Alert.Handling?
    public var assigned: Alert.Handling?
    public var escalatedAt: Int64?
    /// Who closed it: an operator, or `rule` when its condition cleared.
    public var resolved: Alert.Handling?

    /// Whether it was taken on in time: acknowledged (or resolved) before the deadline. `nil`
    /// while the deadline has not passed and nobody has acted.
    public func handledOnTime(at now: Int64) -> Bool? {
        let handledAt = [acknowledged?.at, resolved?.at].compactMap { $0 }.min()
        if let handledAt { return handledAt <= deadline }
        return now > deadline ? false : nil
    }
}
