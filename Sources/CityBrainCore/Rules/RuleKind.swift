/// How a rule decides, per key and window, whether its alert should be open.
public enum RuleKind: Sendable, Hashable {
    /// Open while `when` holds; close when `clear` holds (default: `when` no longer holds).
    /// Rate-of-change, stuck-sensor and prediction rules compile to this kind.
    case threshold(when: Condition, clear: Condition?)
    /// Open once `when` has held for `windows` consecutive windows; close as for a threshold.
    case sustained(when: Condition, clear: Condition?, windows: Int)
    /// Open when the window's `value` is more than `z` standard deviations from the key's own
    /// baseline, once the baseline has seen `warmup` windows; close when it is back within `clearZ`.
    case outlier(value: WindowExpression, baseline: OutlierBaseline, z: Double, clearZ: Double, warmup: Int, direction: OutlierDirection)
    /// Open when a key has sent nothing for `after` of event time; close at its next event.
    case silent(after: Int64)
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
