/// The recent scored readings of every (anomaly rule, sensor) pair, for drawing a sensor's series
/// beside what its rule expected: what the operations page shows with an alert.
///
/// Bounded twice: each series keeps its last ``pointsPerSeries`` readings (a ring), and at most
/// ``maxSeries`` series are kept; past that, the eighth least recently scored are dropped, so a
/// city larger than the bound keeps the series of its recently active sensors. A point takes 40
/// bytes, so the default bounds (12 hours of 5-minute readings, 10 000 series) hold at most about
/// 55 MiB.
public struct ScoreSeriesStore: Sendable {
    /// One scored reading.
    public struct Point: Sendable, Hashable {
        /// Event time of the reading, Unix ms.
        public var ts: Int64
        public var value: Double
        /// What the rule's baseline expected, and the spread the reading was measured in.
        public var expected: Double
        public var spread: Double
        /// Whether the rule's alert for the sensor was open after this reading.
        public var open: Bool

        public init(ts: Int64, value: Double, expected: Double, spread: Double, open: Bool) {
            self.ts = ts
            self.value = value
            self.expected = expected
            self.spread = spread
            self.open = open
        }
    }

    private struct Series {
        var points: [Point] = []
        /// Where the next point goes once the ring is full.
        var next = 0
        var touched: UInt64 = 0

        mutating func append(_ point: Point, limit: Int, at clock: UInt64) {
            touched = clock
            if points.count < limit {
                points.append(point)
            } else {
                points[next] = point
                next = (next + 1) % limit
            }
        }
    }

    private struct Key: Hashable {
        var rule: String
        var sensor: String
    }

    public let pointsPerSeries: Int
    public let maxSeries: Int
    private var series: [Key: Series] = [:]
    private var clock: UInt64 = 0

    public init(pointsPerSeries: Int = 144, maxSeries: Int = 10_000) {
        precondition(pointsPerSeries > 0 && maxSeries > 0, "a series store needs room")
        self.pointsPerSeries = pointsPerSeries
        self.maxSeries = maxSeries
    }

    /// Series kept.
    public var count: Int { series.count }

    /// Adds a scored reading to its rule's series for its sensor.
    public mutating func record(_ score: ReadingScore) {
        clock += 1
        let key = Key(rule: score.rule, sensor: score.sensor)
        if series[key] == nil && series.count >= maxSeries { dropLeastRecent() }
        let point = Point(ts: score.ts, value: score.value, expected: score.expected, spread: score.spread, open: score.open)
        series[key, default: Series()].append(point, limit: pointsPerSeries, at: clock)
    }

    /// The series of `rule` for `sensor`, oldest first; empty when none was scored (or it was dropped).
    public func points(rule: String, sensor: String) -> [Point] {
        guard let entry = series[Key(rule: rule, sensor: sensor)] else { return [] }
        return Array(entry.points[entry.next...] + entry.points[..<entry.next])
    }

    private mutating func dropLeastRecent() {
        let drop = max(1, maxSeries / 8)
        let oldest = series.map { ($0.key, $0.value.touched) }.sorted { $0.1 < $1.1 }.prefix(drop)
        for (key, _) in oldest { series[key] = nil }
    }
}
