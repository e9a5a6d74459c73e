import Foundation

/// One key's recent trend: a least-squares line through its readings, each weighted by
/// `e^(−age/over)`, so the last `over` of event time dominates
/// whatever the sensor's cadence: every second or every five minutes, the same readings in time.
///
/// Decayed sums (weight, weight², time, time², value, value², time × value) are kept with the time
/// origin at the latest reading, so they stay small and exact to a few ulps however long the
/// series runs; each reading costs a handful of multiplications. A gap longer than `2 × over`
/// starts afresh.
///
/// A fit also says how sure it is: the slope's t statistic (slope over its standard error, from
/// the weighted residuals and the effective number of readings `(Σw)² / Σw²`), so a rule can
/// tell a trend from one noisy reading.
///
/// State: 72 bytes.
struct TrendEstimator {
    private var weight = 0.0
    private var weight2 = 0.0
    private var value2 = 0.0
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
        /// Effective number of readings in the fit, `(Σw)² / Σw²`.
        var readings: Double
        /// The slope in standard errors (`.infinity` when the readings lie exactly on the line).
        var tStatistic: Double
    }

    /// Adds a reading and returns the fit, or `nil` while the readings span less than half of
    /// `over` (a line through a few close readings is noise, not a trend).
    mutating func add(_ reading: Double, at now: Int64, over: Int64) -> Fit? {
        if latest == .min || now - latest > 2 * over {
            self = TrendEstimator()
            since = now
        } else if now > latest {
            let shift = Double(now - latest) / 1000
            let decay = exp(-shift / (Double(over) / 1000))
            // Move the origin to `now`: t' = t − shift.
            time2 = decay * (time2 - 2 * shift * time + shift * shift * weight)
            timeValue = decay * (timeValue - shift * value)
            time = decay * (time - shift * weight)
            value *= decay
            value2 *= decay
            weight *= decay
            weight2 *= decay * decay
        }
        latest = max(latest, now)
        weight += 1
        weight2 += 1
        value += reading
        value2 += reading * reading
        let span = now - since
        let determinant = weight * time2 - time * time
        guard span * 2 >= over, determinant > 1e-12 * max(1, weight * time2) else { return nil }
        let slope = (weight * timeValue - time * value) / determinant
        let mean = value / weight
        let meanTime = time / weight
        let readings = weight * weight / weight2
        // Weighted sums of squares about the means, and the residual variance of the line.
        let spreadTime = time2 - time * time / weight
        let spreadValue = max(0, value2 - value * value / weight)
        let residual = max(0, spreadValue - slope * slope * spreadTime)
        var tStatistic = Double.infinity
        if readings > 2 {
            let variance = residual / weight * readings / (readings - 2)
            let slopeVariance = variance / spreadTime * weight / readings
            if slopeVariance > 1e-300 { tStatistic = abs(slope) / slopeVariance.squareRoot() }
        } else {
            tStatistic = 0  // two readings always lie on a line: no evidence of a trend
        }
        return Fit(slope: slope, level: mean - slope * meanTime, mean: mean, span: span, readings: readings, tStatistic: tStatistic)
    }
}

extension TrendEstimator: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(weight)
        writer.write(weight2)
        writer.write(value2)
        writer.write(time)
        writer.write(time2)
        writer.write(value)
        writer.write(timeValue)
        writer.write(latest)
        writer.write(since)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        weight = try reader.read()
        weight2 = try reader.read()
        value2 = try reader.read()
        time = try reader.read()
        time2 = try reader.read()
        value = try reader.read()
        timeValue = try reader.read()
        latest = try reader.read()
        since = try reader.read()
    }
}
