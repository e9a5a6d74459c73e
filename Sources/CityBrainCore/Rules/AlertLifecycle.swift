/// A rule's alert state per key: raised once when the condition becomes true, resolved once
/// when it clears.
struct AlertLifecycle {
    /// Open alerts by key: the lifecycle id shared by the raise and the resolve.
    private(set) var open: [Int32: String] = [:]

    /// The state change, if any, for a window that closed on time.
    mutating func evaluate(_ rule: Rule, values: [Double?], key: Int32, keyName: String, district: String?, start: Int64, end: Int64) -> Alert? {
        let state: AlertState
        let id: String
        if let existing = open[key] {
            guard rule.clears(values) else { return nil }
            open[key] = nil
            state = .resolved
            id = existing
        } else {
            guard rule.condition.evaluate(values) else { return nil }
            state = .raised
            id = "\(rule.name):\(keyName):\(end)"
            open[key] = id
        }
        let comparison = rule.condition.primaryComparison
        let aggregation = rule.aggregation
        var alert = Alert(
            id: id, rule: rule.name, state: state, severity: rule.severity, department: rule.department,
            key: keyName, sensor: aggregation.keyBy == .sensor ? keyName : nil, district: district, kind: aggregation.filter.kind,
            windowStart: start, windowEnd: end,
            value: comparison?.value.evaluate(values), threshold: comparison?.threshold.evaluate(values),
            values: zip(aggregation.slots, values).map { Alert.NamedValue(name: $0.name, value: $1) },
            message: "", ts: end
        )
        alert.message = (state == .resolved ? rule.resolveMessage : rule.message).render(alert: alert, values: values)
        return alert
    }

    func isOpen(_ key: Int32) -> Bool { open[key] != nil }
}
