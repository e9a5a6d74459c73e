import CityBrainCore

/// Alerts already journaled that a restored engine will produce again while it catches up
/// from its checkpoint: a multiset by identity (id, state, severity, event time), each matched
/// at most once. The sequence number and `emitted_at` are not part of the identity: they are
/// the dispatcher's, not the engine's.
struct ReplayedAlerts {
    /// The journal's sequence numbers of the expected alerts, by identity, ascending.
    private var sequences: [Identity: [UInt64]] = [:]
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
        for alert in alerts.sorted(by: { $0.seq < $1.seq }) { sequences[Identity(alert), default: []].append(alert.seq) }
        count = alerts.count
    }

    /// The journal's sequence number of the oldest alert still expected: a checkpoint taken
    /// before the engine has produced it again must stand before it (see
    /// ``AlertDispatcher/checkpointSequence``).
    var oldestSequence: UInt64? { sequences.values.compactMap(\.first).min() }

    var isEmpty: Bool { count == 0 }

    /// Whether `alert` was expected (and is now no longer).
    mutating func remove(_ alert: Alert) -> Bool {
        let identity = Identity(alert)
        guard var remaining = sequences[identity] else { return false }
        remaining.removeFirst()
        sequences[identity] = remaining.isEmpty ? nil : remaining
        count -= 1
        return true
    }
}
