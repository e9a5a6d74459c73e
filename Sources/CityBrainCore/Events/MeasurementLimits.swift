/// The physical range of each known measurement, per feed kind.
///
/// The decoder rejects a known measurement outside its range (``RejectReason/outOfRange``); the
/// pipeline loader uses the known names to catch misspelt fields. Measurements not listed here are
/// accepted with any finite value.
public enum MeasurementLimits {
    /// Known fields of each kind with their inclusive ranges.
    public static let ranges: [EventKind: [String: ClosedRange<Double>]] = [
        .traffic: [
            "speed_kmh": 0...300,
            "flow_vph": 0...20_000,
            "occupancy": 0...1,
            "travel_time_s": 0...86_400,
        ],
        .parking: [
            "occupied": 0...100_000,
            "capacity": 1...100_000,
        ],
        .environment: [
            "pm25": 0...2_000,
            "pm10": 0...2_000,
            "no2": 0...2_000,
            "o3": 0...2_000,
            "co": 0...1_000,
            "noise_db": 0...200,
            "water_level_cm": -10_000...100_000,
            "temperature_c": -90...70,
            "humidity_pct": 0...100,
        ],
    ]

    /// Accepted event times: 2000-01-01 to 2100-01-01 in Unix milliseconds.
    public static let timestamps: ClosedRange<Int64> = 946_684_800_000...4_102_444_800_000

    /// Longest accepted sensor or district id, in UTF-8 bytes.
    public static let maxIdentifierBytes = 128

    /// Most readings one event may carry.
    public static let maxMeasurements = 32

    /// The range of `field` for `kind`, if the field is known.
    public static func range(of field: String, for kind: EventKind) -> ClosedRange<Double>? {
        ranges[kind]?[field]
    }

    /// The known field names of `kind`, sorted.
    public static func knownFields(of kind: EventKind) -> [String] {
        (ranges[kind] ?? [:]).keys.sorted()
    }
}
