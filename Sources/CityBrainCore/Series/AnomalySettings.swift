/// What an anomaly rule (``RuleKind/anomaly(_:)``) looks for, and how it learns what is usual.
public struct AnomalySettings: Sendable, Hashable {
    /// Which side of the expected level counts.
    public var direction: OutlierDirection
    /// The alert opens at a score of `z` spreads from the expected level.
    public var z: Double
    /// ...and closes below `clearZ` (hysteresis; default `z / 2`).
    public var clearZ: Double
    /// The spread never goes below this fraction of the expected level's magnitude...
    public var minSpreadRelative: Double
    /// ...nor below this absolute amount (in the value's unit).
    public var minSpreadAbsolute: Double
    /// Time constant of the recent level and spread (default 1 h).
    public var recentTimeConstant: Int64
    /// Time constant of the fast level, which catches a shift too small for one reading but
    /// lasting for several (default 15 min).
    public var fastTimeConstant: Int64
    /// No score before this many readings...
    public var warmupReadings: Int
    /// ...spanning at least this long (default 30 min).
    public var warmupDuration: Int64
    /// A gap longer than this restarts the recent level (default 4 × `recentTimeConstant`).
    public var resetAfterGap: Int64
    /// The time-of-day profile, if the rule learns one.
    public var seasonal: SeasonalSettings?

    public init(
        direction: OutlierDirection = .both, z: Double = 5, clearZ: Double? = nil, minSpreadRelative: Double = 0.1,
        minSpreadAbsolute: Double = 0, recentTimeConstant: Int64 = 1_200_000, fastTimeConstant: Int64 = 300_000,
        warmupReadings: Int = 6, warmupDuration: Int64 = 1_800_000, seasonal: SeasonalSettings? = nil
    ) {
        self.direction = direction
        self.z = z
        self.clearZ = clearZ ?? z / 2
        self.minSpreadRelative = minSpreadRelative
        self.minSpreadAbsolute = minSpreadAbsolute
        self.recentTimeConstant = recentTimeConstant
        self.fastTimeConstant = fastTimeConstant
        self.warmupReadings = warmupReadings
        self.warmupDuration = warmupDuration
        self.resetAfterGap = max(4 * recentTimeConstant, 6 * 3_600_000)
        self.seasonal = seasonal
    }

    /// The 0–1 score of `z` spreads: `z² / (z² + threshold²)`, so 0.5 at the rule's threshold,
    /// about 0.8 at twice it, and never 1 for a finite reading.
    public func unitScore(_ spreads: Double) -> Double {
        let positive = max(spreads, 0)
        return positive * positive / (positive * positive + self.z * self.z)
    }
}

/// A time-of-day profile: slots of `slot` per day, separately for weekdays and weekends, in a
/// fixed local time offset.
public struct SeasonalSettings: Sendable, Hashable {
    /// How long the profile remembers: each slot's median moves with weight
    /// `1 / (days of this day type in learn)` once it has seen that many days.
    public var learn: Int64
    /// Length of one slot (divides a day).
    public var slot: Int64
    /// A slot is used once it has seen this many days (default 3).
    public var minimumDays: Int
    /// The local time zone, for time of day and weekends.
    public var timeZone: LocalTimeZone

    public init(learn: Int64 = 14 * 86_400_000, slot: Int64 = 900_000, minimumDays: Int = 3, timeZone: LocalTimeZone = .utc) {
        self.learn = learn
        self.slot = slot
        self.minimumDays = minimumDays
        self.timeZone = timeZone
    }

    /// Slots in one day.
    public var slotsPerDay: Int { Int(86_400_000 / slot) }
}
