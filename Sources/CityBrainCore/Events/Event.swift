/// One sensor reading: the unit of data flowing through the pipeline.
///
/// `timestamp` is **event time** (when the sensor measured, Unix milliseconds), the only clock the
/// engine knows. Build one directly in tests, or decode a wire frame with ``EventDecoder``:
///
/// ```swift
/// let event = Event(kind: .traffic, sensor: "seg-00421", district: "d07",
///                   timestamp: 1_732_270_000_123,
///                   readings: [Reading("speed_kmh", 43.5), Reading("occupancy", 0.31)])
/// event.value("speed_kmh")   // 43.5
/// ```
public struct Event: Sendable, Hashable {
    public var kind: EventKind
    /// The sensor id: the partitioning key.
    public var sensor: String
    /// The district the sensor stands in, if the feed says.
    public var district: String?
    /// Event time in Unix milliseconds.
    public var timestamp: Int64
    /// The numeric readings, in the order the frame carried them.
    public var readings: [Reading]
    /// The sender's message counter for this sensor (`seq` on the wire), if the feed carries one:
    /// ingest counts the numbers skipped as messages lost in transit.
    public var sequence: Int64?

    public init(kind: EventKind, sensor: String, district: String? = nil, timestamp: Int64, readings: [Reading], sequence: Int64? = nil) {
        self.sequence = sequence
        self.kind = kind
        self.sensor = sensor
        self.district = district
        self.timestamp = timestamp
        self.readings = readings
    }

    /// The value of the measurement called `name`, or `nil` if the event does not carry it.
    @inlinable
    public func value(_ name: String) -> Double? {
        for reading in readings where reading.name == name {
            return reading.value
        }
        return nil
    }
}
