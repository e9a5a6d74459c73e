import Foundation

/// One key's state for an anomaly rule: scores each reading against what is usual for the key,
/// now and (with a profile) at this time of day.
///
/// **Recent level.** `level` and `deviation` are exponentially weighted in *time* (weight
/// `1 − e^(−Δt/τ)`, τ = ``AnomalySettings/recentTimeConstant``), so a sensor reporting every
/// second and one reporting every five minutes learn over the same hour. Residuals are clamped
/// to 3 spreads (Huber) and an anomalous reading teaches a tenth as much, so an incident does
/// not become the new normal within minutes. The spread is `1.2533 ×` (σ of a normal law) the mean absolute
/// deviation, never below ``AnomalySettings/minSpreadRelative`` of the level nor
/// ``AnomalySettings/minSpreadAbsolute``: a flat series never gives an infinite or null score.
///
/// **Scales.** A reading scores at once (one reading), and a fast level (τ = 15 min) scores
/// with the spread of a mean of the readings it holds, so a shift too small for any single
/// reading but lasting a quarter of an hour scores too; an hour-long drift moves past the
/// recent level's time constant and scores against the profile.
///
/// **Profile.** With ``AnomalySettings/seasonal``, the reading must also be unusual for the
/// time of day: the score is the smaller of the recent and the seasonal score, once the slot
/// has enough days. A morning rush is then usual at 8:00 even though it is far above 6:00.
///
/// State: 64 bytes, plus the profile (see ``SeasonalProfile``).
struct AnomalyDetector {
    private var readings: Int32 = 0
    private var firstTime: Int64 = 0
    private var lastTime: Int64 = 0
    private var level = 0.0
    private var deviation = 0.0
    /// Sum of the deviation's weights so far, to unbias it while it is young.
    private var deviationWeight = 0.0
    private var fast = 0.0
    /// Mean magnitude over about a day: the scale for the relative spread floor.
    private var magnitude = 0.0
    private var profile: SeasonalProfile?

    /// What one reading scored.
    struct Score {
        /// Spreads from the expected level, signed so that positive is the watched direction.
        var spreads: Double
        /// The level the reading was compared with.
        var expected: Double
        /// The spread used.
        var spread: Double
    }

    init(_ settings: AnomalySettings) {
        if let seasonal = settings.seasonal { profile = SeasonalProfile(seasonal) }
    }

    var byteCount: Int { 64 + (profile?.byteCount ?? 0) }

    /// Scores `value` at `time` against the state before it, then learns from it. `nil` while
    /// warming up. `open`: whether the rule's alert is open (the reading then teaches less).
    mutating func add(_ value: Double, at time: Int64, open: Bool, _ settings: AnomalySettings) -> Score? {
        guard readings > 0, time - lastTime <= settings.resetAfterGap else {
            // First reading, or back after a long gap: start the recent level afresh (the spread,
            // a property of the sensor, is kept).
            readings = 1
            firstTime = time
            lastTime = time
            level = value
            fast = value
            if magnitude == 0 { magnitude = abs(value) }
            learnProfile(value, at: time, settings)
            return nil
        }
        let elapsed = Double(time - lastTime)
        let weight = -expm1(-elapsed / Double(settings.recentTimeConstant))
        // The spread is a property of the sensor: learnt six times slower than the level.
        let spreadWeight = -expm1(-elapsed / Double(6 * settings.recentTimeConstant))
        let fastWeight = -expm1(-elapsed / Double(settings.fastTimeConstant))
        let spread = recentSpread(settings)
        let nextFast = fast + fastWeight * (value - fast)
        // Readings in the fast level's mean, at this cadence (capped: beyond that, drift rather
        // than noise dominates).
        let fastReadings = min((2 - fastWeight) / fastWeight, 9)

        var score: Score?
        if Int(readings) >= settings.warmupReadings, time - firstTime >= settings.warmupDuration {
            // The fast scale counts only as far as the reading itself agrees: at most twice the
            // reading's own score, so a lasting shift of half the threshold adds up, while an
            // ordinary reading right after an incident never raises on the fast level's memory
            // of it.
            func combined(_ single: Double, _ averaged: Double) -> Double {
                max(single, min(averaged, 2 * single))
            }
            let recent = combined(signed(value - level, settings) / spread, signed(nextFast - level, settings) / spread * fastReadings.squareRoot())
            score = Score(spreads: recent, expected: level, spread: spread)
            if let seasonal = settings.seasonal, let (median, dayDeviation) = profile?.expected(at: time, seasonal) {
                let daySpread = max(1.2533 * dayDeviation, spreadFloor(settings, level: median))
                let single = (daySpread * daySpread + spread * spread).squareRoot()
                let averaged = (daySpread * daySpread + spread * spread / fastReadings).squareRoot()
                let usualNow = combined(signed(value - median, settings) / single, signed(nextFast - median, settings) / averaged)
                if usualNow < recent { score = Score(spreads: usualNow, expected: median, spread: single) }
            }
        }

        // Learn, a tenth as fast from a reading that is part of an anomaly.
        let anomalous = open || (score?.spreads ?? 0) >= settings.z
        let learning = anomalous ? weight / 10 : weight
        let residual = value - level
        level += learning * min(max(residual, -3 * spread), 3 * spread)
        let spreadLearning = anomalous ? spreadWeight / 10 : spreadWeight
        deviation += spreadLearning * (min(abs(residual), 2 * spread) - deviation)
        deviationWeight += spreadLearning * (1 - deviationWeight)
        fast = nextFast
        magnitude += -expm1(-elapsed / 86_400_000) * (abs(value) - magnitude)
        if readings < .max { readings += 1 }
        lastTime = time
        learnProfile(value, at: time, settings)
        return score
    }

    private mutating func learnProfile(_ value: Double, at time: Int64, _ settings: AnomalySettings) {
        guard let seasonal = settings.seasonal else { return }
        let floor = spreadFloor(settings)
        profile?.add(value, at: time, floor: floor, seasonal)  // in place: no copy of its arrays
    }

    private func recentSpread(_ settings: AnomalySettings) -> Double {
        let unbiased = deviationWeight > 0 ? deviation / deviationWeight : 0
        return max(1.2533 * unbiased, spreadFloor(settings, level: level))
    }

    /// The least spread: a fraction of the larger of `level` and the key's typical magnitude
    /// (so a level near zero, a quiet road at night, does not make every change infinite), and
    /// the absolute floor.
    private func spreadFloor(_ settings: AnomalySettings, level: Double? = nil) -> Double {
        max(settings.minSpreadRelative * max(abs(level ?? self.level), magnitude), settings.minSpreadAbsolute, 1e-9)
    }

    private func signed(_ difference: Double, _ settings: AnomalySettings) -> Double {
        switch settings.direction {
        case .above: difference
        case .below: -difference
        case .both: abs(difference)
        }
    }
}

extension AnomalyDetector: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(readings)
        writer.write(firstTime)
        writer.write(lastTime)
        writer.write(level)
        writer.write(deviation)
        writer.write(deviationWeight)
        writer.write(fast)
        writer.write(magnitude)
        writer.write(profile)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        readings = try reader.read()
        firstTime = try reader.read()
        lastTime = try reader.read()
        level = try reader.read()
        deviation = try reader.read()
        deviationWeight = try reader.read()
        fast = try reader.read()
        magnitude = try reader.read()
        profile = try reader.read()
    }
}
