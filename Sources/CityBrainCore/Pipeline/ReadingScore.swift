/// How one reading scored against an anomaly rule's baseline: the stream `--emit scores` writes,
/// so an engineer can plot a sensor's series with what the rule expected, alert or not.
public struct ReadingScore: Sendable, Hashable {
    public var rule: String
    public var sensor: String
    public var district: String?
    /// Event time of the reading, Unix ms.
    public var ts: Int64
    public var value: Double
    /// What the baseline expected.
    public var expected: Double
    /// The spread the reading was measured in.
    public var spread: Double
    /// Spreads from `expected`, positive in the rule's direction.
    public var zScore: Double
    /// 0–1, 0.5 at the rule's `z` (see ``AnomalySettings/unitScore(_:)``).
    public var score: Double
    /// Whether the rule's alert for the sensor is open after this reading.
    public var open: Bool

    public init(rule: String, sensor: String, district: String?, ts: Int64, value: Double, expected: Double, spread: Double,
                zScore: Double, score: Double, open: Bool) {
        self.rule = rule
        self.sensor = sensor
        self.district = district
        self.ts = ts
        self.value = value
        self.expected = expected
        self.spread = spread
        self.zScore = zScore
        self.score = score
        self.open = open
    }

    /// `{"rule":…,"sensor":…,"district":…,"ts":…,"value":…,"expected":…,"spread":…,"z_score":…,"score":…,"open":…}`
    public var json: String {
        var writer = JSONObjectWriter()
        writer.field("rule", rule)
        writer.field("sensor", sensor)
        writer.field("district", district)
        writer.field("ts", ts)
        writer.field("value", value)
        writer.field("expected", expected)
        writer.field("spread", spread)
        writer.field("z_score", zScore)
        writer.field("score", score)
        writer.field("open", json: open ? "true" : "false")
        return writer.finish()
    }
}
