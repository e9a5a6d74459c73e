/// Units the standard formats name, and how a value in one becomes a value in another of the
/// same dimension: SenML's registered units (RFC 8428 §12.1, RFC 8798), the UN/CEFACT codes
/// NGSI-LD's `unitCode` uses, and the units of the built-in measurements.
///
/// ```swift
/// MeasurementUnit.convert(10, from: "m/s", to: "km/h")   // 36
/// MeasurementUnit.convert(31, from: "%", to: "/")        // 0.31
/// ```
public struct MeasurementUnit: Sendable, Hashable {
    /// What the unit measures; only units of one dimension convert into each other.
    public enum Dimension: String, Sendable {
        case speed, rate, ratio, count, length, temperature, time, concentration, level
    }

    public let symbol: String
    public let dimension: Dimension
    /// value in the dimension's base unit = value × factor + offset.
    let factor: Double
    let offset: Double

    private init(_ symbol: String, _ dimension: Dimension, _ factor: Double, offset: Double = 0) {
        self.symbol = symbol
        self.dimension = dimension
        self.factor = factor
        self.offset = offset
    }

    /// The unit called `symbol` (SenML name, or a common alias such as `ug/m3`), if known.
    public static func named(_ symbol: String) -> MeasurementUnit? {
        table[symbol]
    }

    /// The SenML unit a UN/CEFACT common code (NGSI-LD `unitCode`) stands for, if known.
    public static func symbol(forUNCode code: String) -> String? {
        unCodes[code]
    }

    /// `value` in `from` expressed in `to`; `nil` when either is unknown or they measure
    /// different things.
    public static func convert(_ value: Double, from: String, to: String) -> Double? {
        if from == to { return value }
        guard let source = table[from], let target = table[to], source.dimension == target.dimension else { return nil }
        return (value * source.factor + source.offset - target.offset) / target.factor
    }

    /// Each dimension's base is the unit of the built-in measurement of that dimension, so the
    /// common conversions are one exact multiplication (12.5 m/s × 3.6 = 45 km/h).
    private static let units: [MeasurementUnit] = [
        MeasurementUnit("km/h", .speed, 1), MeasurementUnit("m/s", .speed, 3.6),
        MeasurementUnit("1/h", .rate, 1), MeasurementUnit("1/min", .rate, 60), MeasurementUnit("1/s", .rate, 3600),
        MeasurementUnit("/", .ratio, 1), MeasurementUnit("%", .ratio, 0.01), MeasurementUnit("/100", .ratio, 0.01),
        MeasurementUnit("%RH", .ratio, 0.01), MeasurementUnit("%EL", .ratio, 0.01), MeasurementUnit("/1000", .ratio, 0.001),
        MeasurementUnit("count", .count, 1),
        MeasurementUnit("cm", .length, 1), MeasurementUnit("m", .length, 100), MeasurementUnit("mm", .length, 0.1),
        MeasurementUnit("km", .length, 100_000),
        MeasurementUnit("Cel", .temperature, 1), MeasurementUnit("K", .temperature, 1, offset: -273.15),
        MeasurementUnit("s", .time, 1), MeasurementUnit("ms", .time, 0.001), MeasurementUnit("min", .time, 60),
        MeasurementUnit("h", .time, 3600),
        MeasurementUnit("ug/m3", .concentration, 1), MeasurementUnit("mg/m3", .concentration, 1000),
        MeasurementUnit("g/m3", .concentration, 1e6), MeasurementUnit("kg/m3", .concentration, 1e9),
        MeasurementUnit("dB", .level, 1), MeasurementUnit("dBA", .level, 1),
    ]

    private static let aliases: [String: String] = [
        "µg/m3": "ug/m3", "μg/m3": "ug/m3", "µg/m³": "ug/m3", "ug/m³": "ug/m3", "mg/m³": "mg/m3",
        "°C": "Cel", "degC": "Cel", "km/hr": "km/h", "kmh": "km/h", "veh/h": "1/h", "dB(A)": "dBA", "pct": "%",
    ]

    private static let table: [String: MeasurementUnit] = {
        var table = Dictionary(uniqueKeysWithValues: units.map { ($0.symbol, $0) })
        for (alias, symbol) in aliases { table[alias] = table[symbol] }
        return table
    }()

    private static let unCodes: [String: String] = [
        "KMH": "km/h", "MTS": "m/s", "CEL": "Cel", "KEL": "K", "GQ": "ug/m3", "GP": "mg/m3", "2N": "dB",
        "P1": "%", "C62": "/", "CMT": "cm", "MTR": "m", "MMT": "mm", "KTM": "km", "SEC": "s", "MIN": "min",
        "HUR": "h", "C26": "ms", "E32": "1/h", "H10": "1/h", "S4": "1/s",
    ]

    /// The unit of each built-in measurement (``MeasurementLimits``): what a SenML or NGSI-LD
    /// value is converted to.
    public static let builtIn: [EventKind: [String: String]] = [
        .traffic: ["speed_kmh": "km/h", "flow_vph": "1/h", "occupancy": "/", "travel_time_s": "s"],
        .parking: ["occupied": "count", "capacity": "count"],
        .environment: [
            "pm25": "ug/m3", "pm10": "ug/m3", "no2": "ug/m3", "o3": "ug/m3", "co": "mg/m3", "noise_db": "dB",
            "water_level_cm": "cm", "temperature_c": "Cel", "humidity_pct": "%",
        ],
    ]
}
