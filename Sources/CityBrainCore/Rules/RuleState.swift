import Foundation

/// One rule's alert state machine for every key of a partition: open alerts, and what each
/// kind remembers between windows (streaks, baselines, cooldowns).
struct RuleState {
    struct OpenAlert {
        var id: String
        var severity: Severity
    }

    /// A key's usual level: an exponentially weighted mean and variance (Finch, 2009), or the
    /// recent history for median/MAD.
    struct Baseline {
        var count = 0
        var mean = 0.0
        var variance = 0.0
        var history: [Double] = []

        /// (centre, scale), or `nil` before two values.
        func centreAndScale(_ method: OutlierBaseline) -> (Double, Double)? {
            guard count >= 2 else { return nil }
            switch method {
            case .ewma: return (mean, variance.squareRoot())
            case .medianAbsoluteDeviation:
                let median = Self.median(history)
                let mad = Self.median(history.map { abs($0 - median) })
                return (median, 1.4826 * mad)
            }
        }

        mutating func add(_ value: Double, method: OutlierBaseline, clampTo limit: Double?) {
            count += 1
            switch method {
            case .ewma(let alpha):
                guard count > 1 else { mean = value; return }
                var value = value
                if let limit, variance > 0 {
                    let bound = limit * variance.squareRoot()
                    value = min(max(value, mean - bound), mean + bound)
                }
                let delta = value - mean
                mean += alpha * delta
                variance = (1 - alpha) * (variance + alpha * delta * delta)
            case .medianAbsoluteDeviation(let size):
                history.append(value)
                if history.count > size { history.removeFirst(history.count - size) }
            }
        }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    private(set) var open: [Int32: OpenAlert] = [:]
    private var streaks: [Int32: Int] = [:]
    private var baselines: [Int32: Baseline] = [:]
    private var cooldownUntil: [Int32: Int64] = [:]

    func isOpen(_ key: Int32) -> Bool { open[key] != nil }

    /// The open alerts and cooldowns only: what a changed rule carries over a reload (streaks and
    /// baselines belonged to the old definition).
    func carryingAlerts() -> RuleState {
        var state = RuleState()
        state.open = open
        state.cooldownUntil = cooldownUntil
        return state
    }

    /// Resolves every open alert of a rule that was removed from the pipeline.
    mutating func resolveAll(_ rule: Rule, keys: KeyTable, at time: Int64) -> [Alert] {
        defer { open = [:] }
        return open.sorted { $0.key < $1.key }.map { key, alert in
            let name = keys.names[Int(key)]
            return Alert(
                id: alert.id, rule: rule.name, state: .resolved, severity: alert.severity, department: rule.department,
                key: name, sensor: rule.aggregation.keyBy == .sensor ? name : nil, district: keys.districts[Int(key)],
                kind: rule.aggregation.filter.kind, windowStart: time, windowEnd: time, value: nil, threshold: nil, values: [],
                message: "Resolved: rule '\(rule.name)' was removed from the pipeline", ts: time
            )
        }
    }

    /// Forgets what the rule remembers of a key released by the key TTL (never one with an open
    /// alert: that pins the key).
    mutating func forget(_ key: Int32) {
        streaks[key] = nil
        baselines[key] = nil
        cooldownUntil[key] = nil
    }

    /// The state change, if any, for a window that closed on time.
    mutating func evaluate(_ rule: Rule, values: [Double?], key: Int32, keyName: String, district: String?, start: Int64, end: Int64) -> Alert? {
        var values = values
        var extra: [Alert.NamedValue] = []
        let opens: Bool
        let closes: Bool
        switch rule.kind {
        case .threshold(let when, let clear):
            let holds = when.evaluate(values)
            opens = holds
            closes = clear?.evaluate(values) ?? !holds
        case .sustained(let when, let clear, let windows):
            let holds = when.evaluate(values)
            let streak = holds ? (streaks[key] ?? 0) + 1 : 0
            streaks[key] = streak == 0 ? nil : streak
            opens = streak >= windows
            closes = clear?.evaluate(values) ?? !holds
            extra.append(.init(name: "consecutive_windows", value: Double(streak)))
        case .outlier(let valueExpression, let method, let z, let clearZ, let warmup, let direction):
            guard let value = valueExpression.evaluate(values) else { return nil }
            var baseline = baselines[key] ?? Baseline()
            var score: Double?
            let reference = baseline.centreAndScale(method)
            if baseline.count >= warmup, let (centre, scale) = reference {
                score = scale > 0 ? (value - centre) / scale : (value == centre ? 0 : (value > centre ? .infinity : -.infinity))
            }
            extra += [.init(name: "baseline_mean", value: reference?.0 ?? (baseline.count == 1 ? baseline.mean : nil)),
                      .init(name: "baseline_stddev", value: reference?.1),
                      .init(name: "z_score", value: score.flatMap { $0.isFinite ? $0 : nil })]
            baseline.add(value, method: method, clampTo: score == nil ? nil : z)
            baselines[key] = baseline
            guard let score else { return nil }  // still warming up
            let signed: Double = switch direction {
            case .above: score
            case .below: -score
            case .both: abs(score)
            }
            opens = signed > z
            closes = signed <= clearZ
        case .silent:
            preconditionFailure("silence is evaluated by SilenceTracker")
        }
        values += extra.map(\.value)
        if let current = open[key] {
            if closes {
                open[key] = nil
                if rule.cooldown > 0 { cooldownUntil[key] = end + rule.cooldown }
                return alert(rule, .resolved, id: current.id, severity: current.severity, values: values, extra: extra,
                             key: keyName, district: district, start: start, end: end)
            }
            let severity = rule.severity(for: values)
            guard severity != current.severity else { return nil }
            open[key]?.severity = severity
            return alert(rule, .updated, id: current.id, severity: severity, values: values, extra: extra,
                         key: keyName, district: district, start: start, end: end)
        }
        guard opens else { return nil }
        if let until = cooldownUntil[key] {
            guard end >= until else { return nil }
            cooldownUntil[key] = nil
        }
        let id = "\(rule.name):\(keyName):\(end)"
        let severity = rule.severity(for: values)
        open[key] = OpenAlert(id: id, severity: severity)
        return alert(rule, .raised, id: id, severity: severity, values: values, extra: extra, key: keyName, district: district, start: start, end: end)
    }

    /// A silence deadline passed (raise) or the key spoke again (resolve).
    mutating func silence(_ rule: Rule, resumed: Bool, key: Int32, keyName: String, district: String?, lastSeen: Int64, at time: Int64) -> Alert? {
        guard case .silent(let after) = rule.kind else { return nil }
        let silentSeconds = Double(time - lastSeen) / 1000
        let values: [Double?] = [silentSeconds]
        let extra = [Alert.NamedValue(name: "silent_seconds", value: silentSeconds)]
        if resumed {
            guard let current = open.removeValue(forKey: key) else { return nil }
            if rule.cooldown > 0 { cooldownUntil[key] = time + rule.cooldown }
            return alert(rule, .resolved, id: current.id, severity: current.severity, values: values, extra: extra,
                         key: keyName, district: district, start: lastSeen, end: time, threshold: Double(after) / 1000)
        }
        guard open[key] == nil else { return nil }
        if let until = cooldownUntil[key], time < until { return nil }
        let id = "\(rule.name):\(keyName):\(time)"
        open[key] = OpenAlert(id: id, severity: rule.severity)
        return alert(rule, .raised, id: id, severity: rule.severity, values: values, extra: extra,
                     key: keyName, district: district, start: lastSeen, end: time, threshold: Double(after) / 1000)
    }

    private func alert(
        _ rule: Rule, _ state: AlertState, id: String, severity: Severity, values: [Double?], extra: [Alert.NamedValue],
        key: String, district: String?, start: Int64, end: Int64, threshold: Double?? = nil
    ) -> Alert {
        let aggregation = rule.aggregation
        let comparison = rule.reportedComparison
        var named = zip(aggregation.slots, values).map { Alert.NamedValue(name: $0.name, value: $1) }
        named += extra
        var alert = Alert(
            id: id, rule: rule.name, state: state, severity: severity, department: rule.department,
            key: key, sensor: aggregation.keyBy == .sensor ? key : nil, district: district, kind: aggregation.filter.kind,
            windowStart: start, windowEnd: end,
            value: comparison?.value.evaluate(values) ?? extra.first?.value,
            threshold: comparison?.threshold.evaluate(values),
            values: named, message: "", ts: end
        )
        if case .outlier = rule.kind { alert.threshold = extra.first?.value }  // the baseline mean
        if let threshold { alert.threshold = threshold }
        alert.message = (state == .resolved ? rule.resolveMessage : rule.message).render(alert: alert, values: values)
        return alert
    }
}

