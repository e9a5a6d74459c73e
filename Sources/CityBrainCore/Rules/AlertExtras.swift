/// What a rule kind adds to its alerts' values (the streak of a sustained rule, the baseline of
/// an outlier, the score of an anomaly, …), kept as plain numbers until an alert is made.
///
/// Nearly every window and reading changes no alert; building these as an array of named values
/// for each of them was an allocation per evaluation (`perf probe` on malloc: 13 % of the
/// benchmark pipeline's), for values that were then thrown away.
enum AlertExtras {
    case none
    /// A sustained rule: its run of windows, and for a duration how long the condition held.
    case streak(windows: Int, heldSeconds: Double??)
    /// An outlier rule: the baseline the value was scored against, and the score.
    case baseline(mean: Double?, stddev: Double?, zScore: Double?)
    /// An anomaly rule: the reading's score against the expected level and spread.
    case anomaly(zScore: Double, expected: Double, spread: Double)
    /// A stuck rule: its longest unchanged run, and each measurement that is stuck.
    case unchanged(readings: Int, seconds: Double, stuck: [Alert.NamedValue])
    /// A trend or prediction rule: the fitted line, and the forecast when it has one.
    case trend(slope: Double, level: Double, t: Double?, forecast: Double?)

    /// The named values an alert carries after the rule's own aggregates.
    var namedValues: [Alert.NamedValue] {
        switch self {
        case .none:
            return []
        case .streak(let windows, let heldSeconds):
            var values = [Alert.NamedValue(name: "consecutive_windows", value: Double(windows))]
            if let heldSeconds { values.append(.init(name: "held_seconds", value: heldSeconds)) }
            return values
        case .baseline(let mean, let stddev, let zScore):
            return [.init(name: "baseline_mean", value: mean), .init(name: "baseline_stddev", value: stddev), .init(name: "z_score", value: zScore)]
        case .anomaly(let zScore, let expected, let spread):
            return [.init(name: "z_score", value: zScore), .init(name: "expected", value: expected), .init(name: "spread", value: spread)]
        case .unchanged(let readings, let seconds, let stuck):
            return [.init(name: "unchanged_readings", value: Double(readings)), .init(name: "unchanged_seconds", value: seconds)] + stuck
        case .trend(let slope, let level, let t, let forecast):
            var values: [Alert.NamedValue] = [.init(name: "slope_per_second", value: slope), .init(name: "trend_level", value: level),
                                              .init(name: "trend_t", value: t)]
            if let forecast { values.append(.init(name: "forecast", value: forecast)) }
            return values
        }
    }
}
