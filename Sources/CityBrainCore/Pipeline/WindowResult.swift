/// One window's aggregates on the window-result stream (`citybrain run --emit windows`).
public struct WindowResult: Sendable, Hashable {
    /// The output's name in the pipeline.
    public var output: String
    /// Whether ``key`` is a sensor or a district.
    public var keyField: TextField
    public var key: String
    /// For an output keyed by sensor: the sensor's district (from its latest reading), if any.
    public var district: String?
    public var windowStart: Int64
    public var windowEnd: Int64
    /// Events in the window.
    public var count: Int
    /// The output's aggregates by canonical name, in declaration order.
    public var values: [Alert.NamedValue]
    /// `true` for the window's last result: nothing can change it any more.
    public var final: Bool

    public init(output: String, keyField: TextField, key: String, district: String? = nil, windowStart: Int64, windowEnd: Int64, count: Int,
                values: [Alert.NamedValue], final: Bool) {
        self.output = output
        self.keyField = keyField
        self.key = key
        self.district = keyField == .sensor ? district : nil
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.count = count
        self.values = values
        self.final = final
    }

    /// `{"output":…,"sensor":…,"district":…,"window_start":…,"window_end":…,"count":…,<aggregate>:…,"final":…}`
    /// (`district` for sensor-keyed outputs whose sensor has one).
    public var json: String {
        var writer = JSONObjectWriter()
        writer.field("output", output)
        writer.field(keyField.rawValue, key)
        if let district { writer.field("district", district) }
        writer.field("window_start", windowStart)
        writer.field("window_end", windowEnd)
        writer.field("count", Int64(count))
        for value in values { writer.field(value.name, value.value) }
        writer.field("final", json: final ? "true" : "false")
        return writer.finish()
    }
}
