/// How a rule decides, per key and window, whether its alert should be open.
public enum RuleKind: Sendable, Hashable {
    /// Open while `when` holds; close when `clear` holds (default: `when` no longer holds).
    /// Rate-of-change, stuck-sensor and prediction rules compile to this kind.
    case threshold(when: Condition, clear: Condition?)
    /// Open once `when` has held for `length` (consecutive windows, or a span of event time);
    /// close as for a threshold. A gap in the key's windows longer than its cadence breaks the
    /// streak.
    case sustained(when: Condition, clear: Condition?, length: StreakLength)
    /// Open when the window's `value` is more than `z` standard deviations from the key's own
    /// baseline, once the baseline has seen `warmup` windows; close when it is back within `clearZ`.
    case outlier(value: WindowExpression, baseline: OutlierBaseline, z: Double, clearZ: Double, warmup: Int, direction: OutlierDirection)
    /// Open when a key has sent nothing for `after` of event time (fixed, or a multiple of its
    /// own cadence); close at its next event.
    case silent(after: SilenceTimeout)
    /// Per reading: open when the reading (slot 0) is far from what is usual for the key (see
    /// ``AnomalyDetector``); close when it is back within ``AnomalySettings/clearZ``.
    case anomaly(AnomalySettings)
    /// Per reading: open when any watched measurement (the first `watched` slots) has stayed
    /// exactly the same for at least `readings` readings spanning at least `duration`; close when
    /// none is stuck any more. A reading without the measurement, or for which `condition` (if
    /// any) does not hold, carries no evidence (zero flow: a held speed is a quiet road) and
    /// restarts the run. `fields` names the watched measurements, one per slot from slot 0.
    case stuck(readings: Int, duration: Int64, fields: [String], condition: Condition?)
    /// Per reading: the key's recent trend (``TrendEstimator``) — its slope (`rate`) or where it
    /// leads within a horizon (`prediction`) — crosses a level; closes when it no longer does.
    case trend(TrendSettings)

    /// Whether the rule sees each reading (``WindowSpec/series``) rather than windows.
    public var isPerReading: Bool {
        switch self {
        case .anomaly, .stuck, .trend: true
        default: false
        }
    }
}

/// How long a sustained condition must hold.
public enum StreakLength: Sendable, Hashable {
    /// This many consecutive windows.
    case windows(Int)
    /// This much event time, from the start of the first window that held to the end of the latest.
    case duration(Int64)
}

/// How an outlier rule learns what is usual for a key.
public enum OutlierBaseline: Sendable, Hashable {
    /// Exponentially weighted mean and variance with smoothing `alpha`. Once warmed up, each
    /// update is clamped to mean ± z·σ, so a spike cannot inflate the baseline, while a lasting
    /// shift is still learnt, gradually.
    case ewma(alpha: Double)
    /// Median and median absolute deviation of the last `history` window values (robust to spikes,
    /// even during warm-up); σ ≈ 1.4826 · MAD.
    case medianAbsoluteDeviation(history: Int)
}

/// Which side of the baseline counts as an outlier.
public enum OutlierDirection: String, Sendable, Hashable, CaseIterable {
    case above, below, both
}

/// What a per-reading trend rule (`rate` or `prediction` with `over:`) watches.
public struct TrendSettings: Sendable, Hashable {
    /// What is compared with ``level``.
    public enum Measure: Sendable, Hashable {
        /// The trend's slope, per second (`rate`).
        case slope
        /// The trend's level `horizon` ms ahead (`prediction`).
        case forecast(horizon: Int64)
    }

    /// A trend needs this many readings (effective, `(Σw)² / Σw²`)...
    public static let minimumReadings = 3.0
    /// ...and a slope this many standard errors from zero.
    public static let minimumTStatistic = 3.0

    /// The time constant of the trend: readings are weighted by `e^(−age/over)`.
    public var over: Int64
    public var measure: Measure
    /// `true`: opens when the measure is at or above ``level``; `false`: below it.
    public var rising: Bool
    public var level: Double
    /// An optional guard over the reading's values (`when:`), ANDed with the trend condition.
    public var condition: Condition?

    public init(over: Int64, measure: Measure, rising: Bool, level: Double, condition: Condition? = nil) {
        self.over = over
        self.measure = measure
        self.rising = rising
        self.level = level
        self.condition = condition
    }
}
