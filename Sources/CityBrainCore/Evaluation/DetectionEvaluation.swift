/// A labelled anomaly: `sensor` misbehaved from `start` to `end` (event time, Unix ms,
/// inclusive), as anomaly-benchmark label files give it.
public struct LabelledWindow: Sendable, Hashable, Codable {
    public var sensor: String
    public var start: Int64
    public var end: Int64

    public init(sensor: String, start: Int64, end: Int64) {
        self.sensor = sensor
        self.start = start
        self.end = end
    }

    public func contains(_ time: Int64) -> Bool { time >= start && time <= end }
}

/// How well one rule (or all rules together) found the labelled windows.
public struct RuleDetectionScore: Sendable, Hashable, Codable {
    /// The rule's name, or `*` for any rule.
    public var rule: String
    public var windows: Int
    public var found: Int
    public var missed: Int
    /// Raises on a labelled sensor outside all of its windows.
    public var falseAlerts: Int
    /// For each found window, ms from its start to the first raise inside it, in window order.
    public var delays: [Int64]

    public init(rule: String, windows: Int, found: Int, missed: Int, falseAlerts: Int, delays: [Int64]) {
        self.rule = rule
        self.windows = windows
        self.found = found
        self.missed = missed
        self.falseAlerts = falseAlerts
        self.delays = delays
    }

    /// The median detection delay, ms, or `nil` when nothing was found.
    public var medianDelay: Int64? {
        guard !delays.isEmpty else { return nil }
        let sorted = delays.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Found windows over all windows (recall), 0 when there are none.
    public var recall: Double { windows == 0 ? 0 : Double(found) / Double(windows) }
    /// Raises inside windows over all raises counted (first raise per window counts as one).
    public var precision: Double { found + falseAlerts == 0 ? 0 : Double(found) / Double(found + falseAlerts) }
}

/// Scores a run's alerts against labelled windows, the way engineers test a rule change on a
/// recorded feed before deploying it.
///
/// A **raised** alert counts at the event time of the reading that raised it (`observed_at`,
/// else its `ts`), for its sensor. It finds every window of that sensor it falls in; it is a
/// false alert if it falls in none. Alerts about sensors that have no labels are not counted
/// (nothing says whether they are right), nor are updates and resolves: one incident is one
/// raise. Grouped alerts (storms, correlations, caps) name several sensors and count for each.
public enum DetectionEvaluation {
    /// - Parameters:
    ///   - labelledSensors: sensors the labels speak for (an empty list of windows says the sensor
    ///     had no incident); default: the sensors of `labels`.
    public static func score(alerts: [Alert], labels: [LabelledWindow], labelledSensors: Set<String>? = nil) -> [RuleDetectionScore] {
        let labelled = labelledSensors ?? Set(labels.map(\.sensor))
        let windowsBySensor = Dictionary(grouping: labels, by: \.sensor)
        // (rule, sensor, time) of every raise on a labelled sensor.
        var raises: [(rule: String, sensor: String, time: Int64)] = []
        for alert in alerts where alert.state == .raised {
            let sensors = alert.sensors ?? [alert.sensor ?? alert.key]
            for sensor in sensors where labelled.contains(sensor) {
                raises.append((alert.rule, sensor, alert.observedAt ?? alert.ts))
            }
        }
        let rules = Array(Set(raises.map(\.rule))).sorted()
        func score(_ name: String, _ selected: [(rule: String, sensor: String, time: Int64)]) -> RuleDetectionScore {
            var result = RuleDetectionScore(rule: name, windows: labels.count, found: 0, missed: labels.count, falseAlerts: 0, delays: [])
            for window in labels.sorted(by: { ($0.start, $0.sensor) < ($1.start, $1.sensor) }) {
                let inside = selected.filter { $0.sensor == window.sensor && window.contains($0.time) }.map(\.time)
                if let first = inside.min() {
                    result.found += 1
                    result.missed -= 1
                    result.delays.append(first - window.start)
                }
            }
            result.falseAlerts = selected.filter { raise in
                !(windowsBySensor[raise.sensor] ?? []).contains { $0.contains(raise.time) }
            }.count
            return result
        }
        return rules.map { rule in score(rule, raises.filter { $0.rule == rule }) } + [score("*", raises)]
    }
}
