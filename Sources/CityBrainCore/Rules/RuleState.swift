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
                // Sorted in scratch space on the stack: a sorted copy, the deviations and their
                // sorted copy were three allocations per window.
                return history.withUnsafeBufferPointer { values in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: values.count) { buffer in
                        var scratch = buffer
                        _ = scratch.initialize(fromContentsOf: values)
                        defer { scratch.deinitialize() }
                        scratch.sort()
                        let median = Self.median(ofSorted: UnsafeBufferPointer(scratch))
                        for index in scratch.indices { scratch[index] = abs(scratch[index] - median) }
                        scratch.sort()
                        return (median, 1.4826 * Self.median(ofSorted: UnsafeBufferPointer(scratch)))
                    }
                }
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

        static func median(ofSorted sorted: UnsafeBufferPointer<Double>) -> Double {
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    /// A sustained condition's current run of holding windows.
    struct Streak {
        var windows = 0
        var since: Int64 = 0
        var lastEnd: Int64 = 0
        /// Interval between the key's windows, to tell a gap from the key's normal cadence.
        var cadence = CadenceEstimator()
        var lastWindowEnd: Int64?
    }

    /// A stuck rule's current run of identical readings, per watched measurement.
    struct UnchangedRun {
        var value: Double?
        var readings = 0
        var since: Int64 = 0
    }

    /// The open alert of each key (set outside this file only by the checkpoint coding).
    var open: [Int32: OpenAlert] = [:]
    /// What the last reading scored (anomaly rules), for `--emit scores`: (value, expected,
    /// spread, z score, 0–1 score); `nil` while warming up.
    private(set) var lastScore: (value: Double, expected: Double, spread: Double, z: Double, score: Double)?
    // What each key remembers between windows. Module-internal only so that the checkpoint
    // coding (Checkpoint/RuleState+Checkpoint.swift) can write and restore it; nothing else
    // touches them.
    var streaks: [Int32: Streak] = [:]
    var baselines: [Int32: Baseline] = [:]
    var detectors = KeyIndexed<AnomalyDetector>()
    var runs = KeyIndexed<[UnchangedRun]>()
    var trends = KeyIndexed<TrendEstimator>()
    var cooldownUntil: [Int32: Int64] = [:]

    /// Bytes of learnt per-key state (anomaly profiles, runs), for the state-size metric.
    var byteCount: Int {
        // Every detector of a rule has the same size.
        detectors.capacity * 16 + detectors.count * (detectors.first(where: { _ in true })?.value.byteCount ?? 0) + runs.capacity * 16 + runs.count * 96 + streaks.capacity * 48
            + trends.capacity * (MemoryLayout<TrendEstimator>.stride + 4)
    }

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
            Self.resolution(of: alert, key: key, rule, table: keys, at: time, message: "Resolved: rule '\(rule.name)' was removed from the pipeline")
        }
    }

    /// Resolves the open alerts of `keys`, which the engine gives up (``KeyOwnership``), and
    /// forgets everything the rule remembers of them.
    mutating func release(_ keys: Set<Int32>, _ rule: Rule, table: KeyTable, at time: Int64, reason: String) -> [Alert] {
        var resolved: [Alert] = []
        for key in keys.sorted() {
            if let alert = open.removeValue(forKey: key) {
                let message = "Resolved here: \(table.names[Int(key)]) is no longer watched by this engine: \(reason)"
                resolved.append(Self.resolution(of: alert, key: key, rule, table: table, at: time, message: message))
            }
            forget(key)
        }
        return resolved
    }

    /// The resolve record of an open alert that the engine ends itself (no window decided it).
    private static func resolution(of alert: OpenAlert, key: Int32, _ rule: Rule, table: KeyTable, at time: Int64, message: String) -> Alert {
        let name = table.names[Int(key)]
        return Alert(
            id: alert.id, rule: rule.name, state: .resolved, severity: alert.severity, department: rule.department,
            key: name, sensor: rule.aggregation.keyBy == .sensor ? name : nil, district: table.districts[Int(key)],
            kind: rule.aggregation.filter.kind, windowStart: time, windowEnd: time, value: nil, threshold: nil, values: [],
            message: message, ts: time
        )
    }

    /// Forgets what the rule remembers of a key released by the key TTL (never one with an open
    /// alert: that pins the key).
    mutating func forget(_ key: Int32) {
        streaks[key] = nil
        baselines[key] = nil
        detectors[key] = nil
        runs[key] = nil
        trends[key] = nil
        cooldownUntil[key] = nil
    }

    /// The state change, if any, for a window that closed on time.
    mutating func evaluate(_ rule: Rule, values: some SlotValueList, key: Int32, keyName: String, district: String?, start: Int64, end: Int64) -> Alert? {
        var extra = AlertExtras.none
        let opens: Bool
        let closes: Bool
        switch rule.kind {
        case .threshold(let when, let clear):
            let holds = when.evaluate(values)
            opens = holds
            closes = clear?.evaluate(values) ?? !holds
        case .sustained(let when, let clear, let length):
            let holds = when.evaluate(values)
            var streak = streaks[key] ?? Streak()
            // The key's own cadence of windows: a window later than twice it is a gap, and a gap
            // breaks the run. A condition held "for 5m" is never claimed across a hole longer
            // than 5 minutes, whatever the cadence.
            if let previous = streak.lastWindowEnd, end > previous { streak.cadence.add(interval: end - previous) }
            streak.lastWindowEnd = end
            let usual = streak.cadence.samples >= 2 ? 2 * (streak.cadence.interval ?? 0) : Int64.max
            var allowed = max(end - start, usual)
            if case .duration(let span) = length { allowed = min(allowed, span) }
            if streak.windows > 0, start - streak.lastEnd > allowed { streak.windows = 0 }
            if holds {
                if streak.windows == 0 { streak.since = start }
                streak.windows += 1
                streak.lastEnd = end
            } else {
                streak.windows = 0
            }
            streaks[key] = streak
            switch length {
            case .windows(let count): opens = streak.windows >= count
            case .duration(let span): opens = streak.windows > 0 && streak.lastEnd - streak.since >= span
            }
            closes = clear?.evaluate(values) ?? !holds
            var heldSeconds: Double?? = nil
            if case .duration = length { heldSeconds = streak.windows > 0 ? Double(streak.lastEnd - streak.since) / 1000 : 0 }
            extra = .streak(windows: streak.windows, heldSeconds: heldSeconds)
        case .outlier(let valueExpression, let method, let z, let clearZ, let warmup, let direction):
            guard let value = valueExpression.evaluate(values) else { return nil }
            // Taken out while it changes, so its history is not shared and grows in place.
            var baseline = baselines.removeValue(forKey: key) ?? Baseline()
            var score: Double?
            let reference = baseline.centreAndScale(method)
            if baseline.count >= warmup, let (centre, scale) = reference {
                // A flat baseline has no spread: 1 % of its level (or 1e-6) stands in, so the
                // score stays a finite number.
                score = (value - centre) / max(scale, 0.01 * abs(centre), 1e-6)
            }
            extra = .baseline(mean: reference?.0 ?? (baseline.count == 1 ? baseline.mean : nil), stddev: reference?.1,
                              zScore: score.flatMap { $0.isFinite ? $0 : nil })
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
        case .silent, .anomaly, .stuck, .trend:
            preconditionFailure("\(rule.name) is not evaluated per window")
        }
        return transition(rule, opens: opens, closes: closes, values: values, extra: extra, key: key, keyName: keyName,
                          district: district, start: start, end: end)
    }

    /// The state change, if any, for one reading of a per-reading rule (`previous`: the key's
    /// previous reading time).
    mutating func observe(_ rule: Rule, values: some SlotValueList, key: Int32, keyName: String, district: String?, previous: Int64, at time: Int64) -> Alert? {
        var extra = AlertExtras.none
        let opens: Bool
        let closes: Bool
        var explanation = Explanation(observedAt: time)
        switch rule.kind {
        case .anomaly(let settings):
            lastScore = nil
            guard let value = values.firstValue else { return nil }
            // Mutated in place: a copy would duplicate the profile's arrays on every reading.
            let isOpen = open[key] != nil
            if !detectors.contains(key) { detectors[key] = AnomalyDetector(settings) }
            let score = detectors.update(key) { $0.add(value, at: time, open: isOpen, settings) }
            guard let score else { return nil }  // warming up
            let margin = settings.z * score.spread
            explanation.threshold = switch settings.direction {
            case .below: score.expected - margin
            case .above, .both: value >= score.expected ? score.expected + margin : score.expected - margin
            }
            explanation.score = settings.unitScore(score.spreads)
            explanation.expected = score.expected
            lastScore = (value, score.expected, score.spread, score.spreads, settings.unitScore(score.spreads))
            extra = .anomaly(zScore: score.spreads, expected: score.expected, spread: score.spread)
            opens = score.spreads >= settings.z
            closes = score.spreads < settings.clearZ
        case .stuck(let readings, let duration, let fields, let condition):
            // Each watched measurement has its own run: a reading that lacks it, or for which the
            // guard fails, restarts it. The rule is open while any measurement is stuck.
            let counts = condition?.evaluate(values) ?? true
            // Taken out of the table while it changes, so the array is not shared and changes in
            // place (read with a subscript, every reading copied it: an allocation per reading).
            var fieldRuns = runs.removeValue(forKey: key) ?? Array(repeating: UnchangedRun(), count: fields.count)
            var longest = UnchangedRun()
            var stuck = false
            var stuckFields: [Alert.NamedValue] = []
            for slot in fields.indices {
                let value = values[slot]
                if !counts || value == nil || fieldRuns[slot].value != value || fieldRuns[slot].readings == 0 {
                    fieldRuns[slot] = UnchangedRun(value: value, readings: 0, since: time)
                }
                if counts && value != nil { fieldRuns[slot].readings += 1 }
                let run = fieldRuns[slot]
                if run.readings >= readings && time - run.since >= duration {
                    stuck = true
                    stuckFields.append(.init(name: "unchanged(\(fields[slot]))", value: run.value))
                }
                if run.readings > longest.readings { longest = run }
            }
            runs[key] = fieldRuns
            extra = .unchanged(readings: longest.readings, seconds: Double(time - (longest.readings > 0 ? longest.since : time)) / 1000,
                               stuck: stuckFields)
            opens = stuck
            closes = !stuck
        case .trend(let settings):
            guard let value = values.firstValue, let fit = trends[key, default: TrendEstimator()].add(value, at: time, over: settings.over) else {
                return nil  // no reading of the value, or not yet a trend
            }
            let measure: Double
            var agrees = true
            switch settings.measure {
            case .slope:
                measure = fit.slope
            case .forecast(let horizon):
                measure = fit.level + fit.slope * Double(horizon) / 1000
                // The trend must point towards the level, and the latest reading lie on its side
                // of the mean: a line through high-low-high (an incident that just cleared) is
                // not a trend.
                agrees = settings.rising ? fit.slope > 0 && value > fit.mean : fit.slope < 0 && value < fit.mean
            }
            // A trend, not noise: several readings, and a slope well clear of its standard error.
            agrees = agrees && fit.readings >= TrendSettings.minimumReadings && fit.tStatistic >= TrendSettings.minimumTStatistic
            let crosses = settings.rising ? measure >= settings.level : measure < settings.level
            let holds = crosses && agrees && (settings.condition?.evaluate(values) ?? true)
            var forecast: Double?
            if case .forecast = settings.measure { forecast = measure }
            extra = .trend(slope: fit.slope, level: fit.level, t: fit.tStatistic.isFinite ? fit.tStatistic : nil, forecast: forecast)
            explanation.value = measure
            explanation.threshold = settings.level
            opens = holds
            closes = !holds
        default:
            preconditionFailure("\(rule.name) is not evaluated per reading")
        }
        return transition(rule, opens: opens, closes: closes, values: values, extra: extra, key: key, keyName: keyName,
                          district: district, start: previous, end: time, explanation: explanation)
    }

    /// What a per-reading rule adds to its alerts.
    struct Explanation {
        var observedAt: Int64
        /// Replaces the alert's `value` (trend rules: the slope or the forecast).
        var value: Double?
        var threshold: Double?
        var score: Double?
        var expected: Double?
    }

    /// Raise, update or resolve, given what the rule's kind decided for a window or reading.
    private mutating func transition(
        _ rule: Rule, opens: Bool, closes: Bool, values: some SlotValueList, extra: AlertExtras, key: Int32, keyName: String,
        district: String?, start: Int64, end: Int64, explanation: Explanation? = nil
    ) -> Alert? {
        // Most readings and windows change nothing: no open alert and nothing to open. Return
        // before building the values an alert would carry (two arrays per call).
        let current = open[key]
        if current == nil && !opens { return nil }
        let extra = extra.namedValues
        let values = values.allValues + extra.map(\.value)
        if let current {
            if closes {
                open[key] = nil
                if rule.cooldown > 0 { cooldownUntil[key] = end + rule.cooldown }
                return alert(rule, .resolved, id: current.id, severity: current.severity, values: values, extra: extra,
                             key: keyName, district: district, start: start, end: end, explanation: explanation)
            }
            let severity = rule.severity(for: values)
            guard severity != current.severity else { return nil }
            open[key]?.severity = severity
            return alert(rule, .updated, id: current.id, severity: severity, values: values, extra: extra,
                         key: keyName, district: district, start: start, end: end, explanation: explanation)
        }
        guard opens else { return nil }
        if let until = cooldownUntil[key] {
            guard end >= until else { return nil }
            cooldownUntil[key] = nil
        }
        let id = "\(rule.name):\(keyName):\(end)"
        let severity = rule.severity(for: values)
        open[key] = OpenAlert(id: id, severity: severity)
        return alert(rule, .raised, id: id, severity: severity, values: values, extra: extra, key: keyName, district: district, start: start, end: end, explanation: explanation)
    }

    /// A silence deadline passed (raise) or the key spoke again (resolve).
    /// `timeout`: the key's silence timeout, in ms.
    mutating func silence(_ rule: Rule, resumed: Bool, key: Int32, keyName: String, district: String?, lastSeen: Int64, timeout after: Int64, at time: Int64) -> Alert? {
        guard case .silent = rule.kind else { return nil }
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
        key: String, district: String?, start: Int64, end: Int64, threshold: Double?? = nil, explanation: Explanation? = nil
    ) -> Alert {
        let aggregation = rule.aggregation
        let comparison = rule.reportedComparison
        var named = extra
        if !aggregation.slots.isEmpty {
            named = []
            named.reserveCapacity(aggregation.slots.count + extra.count)
            for (slot, value) in zip(aggregation.slots, values) { named.append(Alert.NamedValue(name: slot.name, value: value)) }
            named += extra
        }
        var alert = Alert(
            id: id, rule: rule.name, state: state, severity: severity, department: rule.department,
            key: key, sensor: aggregation.keyBy == .sensor ? key : nil, district: district, kind: aggregation.filter.kind,
            windowStart: start, windowEnd: end,
            value: comparison?.value.evaluate(values) ?? extra.first?.value,
            threshold: comparison?.threshold.evaluate(values),
            values: named, message: "", ts: end
        )
        if case .outlier = rule.kind {
            alert.threshold = extra.first?.value  // the baseline mean
            if let z = alert.values.first(where: { $0.name == "z_score" })?.value, case .outlier(_, _, let limit, _, _, _) = rule.kind {
                alert.score = z * z / (z * z + limit * limit)
            }
            alert.expected = alert.threshold
        }
        if let threshold { alert.threshold = threshold }
        if let explanation {
            alert.observedAt = explanation.observedAt
            if let value = explanation.value { alert.value = value }
            alert.score = explanation.score
            alert.expected = explanation.expected
            if explanation.threshold != nil { alert.threshold = explanation.threshold }
        }
        alert.message = (state == .resolved ? rule.resolveMessage : rule.message).render(alert: alert, values: values)
        return alert
    }
}
