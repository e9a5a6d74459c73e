import CityBrainCore

/// Alerts already journaled that a restored engine will produce again while it catches up
/// from its checkpoint: a multiset by identity (id, state, severity, event time), each matched
/// at most once. The sequence number and `emitted_at` are not part of the identity: they are
/// the dispatcher's, not the engine's.
struct ReplayedAlerts {
    private var counts: [Identity: Int] = [:]
    private(set) var count = 0

    private struct Identity: Hashable {
        var id: String
        var state: AlertState
        var severity: Severity
        var ts: Int64

        init(_ alert: Alert) {
            id = alert.id
            state = alert.state
            severity = alert.severity
            ts = alert.ts
        }
    }

    init(_ alerts: [Alert] = []) {
        for alert in alerts { counts[Identity(alert), default: 0] += 1 }
        count = alerts.count
    }

    var isEmpty: Bool { count == 0 }

    /// Whether `alert` was expected (and is now no longer).
    mutating func remove(_ alert: Alert) -> Bool {
        let identity = Identity(alert)
        guard let remaining = counts[identity] else { return false }
        counts[identity] = remaining > 1 ? remaining - 1 : nil
        count -= 1
        return true
    }
}
