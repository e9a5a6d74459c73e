import Foundation

/// One key's recent trend: a least-squares line through its readings, each weighted by
/// `e^(−age/τ)` with τ = half the rule's `over`, so the last `over` of event time dominates
/// whatever the sensor's cadence: every second or every five minutes, the same readings in time.
///
/// Five decayed sums (weight, time, time², value, time × value) are kept with the time origin at
/// the latest reading, so they stay small and exact to a few ulps however long the series runs;
/// each reading costs a handful of multiplications. A gap longer than `2 × over` starts afresh.
///
/// State: 56 bytes.
struct TrendEstimator {
    private var weight = 0.0
    private var time = 0.0
    private var time2 = 0.0
    private var value = 0.0
    private var timeValue = 0.0
    private var latest: Int64 = .min
    /// Event time of the first reading since the last fresh start.
    private var since: Int64 = .min

    /// The fitted line at the latest reading.
    struct Fit: Equatable {
        /// Slope per second.
        var slope: Double
        /// The line's value at the latest reading (the trend's level now).
        var level: Double
        /// The weighted mean of the readings (the line passes through it).
        var mean: Double
        /// Event time covered by the readings since the fresh start, in ms.
        var span: Int64
    }

    /// Adds a reading and returns the fit, or `nil` while the readings span less than half of
    /// `over` (a line through a few close readings is noise, not a trend).
    mutating func add(_ reading: Double, at now: Int64, over: Int64) -> Fit? {
        if latest == .min || now - latest > 2 * over {
            self = TrendEstimator()
            since = now
        } else if now > latest {
            let shift = Double(now - latest) / 1000
            let decay = exp(-shift / (Double(over) / 2000))
            // Move the origin to `now`: t' = t − shift.
            time2 = decay * (time2 - 2 * shift * time + shift * shift * weight)
            timeValue = decay * (timeValue - shift * value)
            time = decay * (time - shift * weight)
            value *= decay
            weight *= decay
        }
        latest = max(latest, now)
        weight += 1
        value += reading
        let span = now - since
        let determinant = weight * time2 - time * time
        guard span * 2 >= over, determinant > 1e-12 * max(1, weight * time2) else { return nil }
        let slope = (weight * timeValue - time * value) / determinant
        let mean = value / weight
        let meanTime = time / weight
        return Fit(slope: slope, level: mean - slope * meanTime, mean: mean, span: span)
    }
}
