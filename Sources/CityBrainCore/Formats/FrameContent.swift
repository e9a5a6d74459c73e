/// What one feed frame decodes to: one event (a native frame, and only a native frame: the
/// input log keeps such a frame's bytes as they are), or the events of a pack or an entity
/// array with the records that were rejected on their own.
public enum FrameContent: Sendable, Equatable {
    case event(Event)
    /// The one event of a SenML pack or an NGSI-LD frame that gave one and rejected nothing
    /// (the common case: no array to carry); its bytes are not a native frame.
    case converted(Event)
    /// Events in frame order, and the rejections of the records left out (each names its record).
    case events([Event], rejected: [FrameRejection])

    /// The events, whatever the case.
    public var events: [Event] {
        switch self {
        case .event(let event), .converted(let event): [event]
        case .events(let events, _): events
        }
    }

    /// The rejections of records left out (none for a single event).
    public var rejected: [FrameRejection] {
        if case .events(_, let rejected) = self { return rejected }
        return []
    }

    /// The content of a frame whose records gave `events` and `rejected`; throws when nothing
    /// was accepted: the first rejection, telling how many more there were.
    static func combining(_ events: [Event], rejected: [FrameRejection]) throws(FrameRejection) -> FrameContent {
        if events.count == 1, rejected.isEmpty { return .converted(events[0]) }
        guard events.isEmpty, let first = rejected.first else { return .events(events, rejected: rejected) }
        guard rejected.count > 1 else { throw first }
        throw FrameRejection(first.reason, "\(first.detail) (and \(rejected.count - 1) more records rejected)")
    }
}
