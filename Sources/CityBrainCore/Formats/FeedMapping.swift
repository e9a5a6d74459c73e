/// How the names of a standard format map to CityBrain's kinds, sensors and measurements, where
/// the defaults do not fit: loaded from a mapping file (`--feed-mapping`, see
/// `docs/feed-formats.md`).
///
/// By default a SenML name is `<kind>.<district>.<sensor>/<measurement>` and an NGSI-LD entity is
/// one of the FIWARE models CityBrain knows (``NGSIModel/builtIn``).
public struct FeedMapping: Sendable, Equatable {
    /// A SenML device whose names do not follow `<kind>.<district>.<sensor>/…`: records whose
    /// resolved name starts with `prefix` belong to `sensor`, and the rest of the name is the
    /// measurement.
    public struct Device: Sendable, Equatable {
        public var prefix: String
        public var kind: EventKind
        public var sensor: String
        public var district: String?
        /// The measurement of a record named by the prefix alone (a one-measurement device
        /// whose records say `"n":"urn:dev:ow:10e2073a01080063","u":"Cel"`).
        public var measurement: String?

        public init(prefix: String, kind: EventKind, sensor: String, district: String? = nil, measurement: String? = nil) {
            self.prefix = prefix
            self.kind = kind
            self.sensor = sensor
            self.district = district
            self.measurement = measurement
        }
    }

    /// SenML devices, longest prefix first when matched.
    public var devices: [Device]
    /// A measurement name in the feed → the catalogue's name (`temp` → `temperature_c`).
    public var measurements: [String: String]
    /// NGSI-LD entity types beyond (or replacing) the built-in models.
    public var models: [String: NGSIModel]

    public init(devices: [Device] = [], measurements: [String: String] = [:], models: [String: NGSIModel] = [:]) {
        self.devices = devices.sorted { $0.prefix.utf8.count > $1.prefix.utf8.count }
        self.measurements = measurements
        self.models = models
    }

    /// The device whose prefix `name` starts with, if any.
    func device(for name: String) -> Device? {
        devices.first { name.hasPrefix($0.prefix) }
    }
}

/// How one NGSI-LD entity type becomes events: its kind, and which attributes are which
/// measurements (with the unit a value without `unitCode` is in).
public struct NGSIModel: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var measurement: String
        /// The unit of a value that names none; `nil`: the measurement's own unit.
        public var unit: String?

        public init(_ measurement: String, unit: String? = nil) {
            self.measurement = measurement
            self.unit = unit
        }
    }

    public var kind: EventKind
    public var attributes: [String: Attribute]

    public init(kind: EventKind, attributes: [String: Attribute]) {
        self.kind = kind
        self.attributes = attributes
    }

    /// The FIWARE Smart Data Models CityBrain reads without a mapping file. Parking models and
    /// `intensity` need more than a renaming and are handled by the decoder itself
    /// (``NGSILDDecoder``).
    public static let builtIn: [String: NGSIModel] = [
        "TrafficFlowObserved": NGSIModel(kind: .traffic, attributes: [
            "averageVehicleSpeed": Attribute("speed_kmh", unit: "km/h"),
            "occupancy": Attribute("occupancy", unit: "/"),
        ]),
        "OffStreetParking": NGSIModel(kind: .parking, attributes: [:]),
        "OnStreetParking": NGSIModel(kind: .parking, attributes: [:]),
        "ParkingSpot": NGSIModel(kind: .parking, attributes: [:]),
        "AirQualityObserved": NGSIModel(kind: .environment, attributes: [
            "pm25": Attribute("pm25", unit: "ug/m3"), "pm10": Attribute("pm10", unit: "ug/m3"),
            "no2": Attribute("no2", unit: "ug/m3"), "o3": Attribute("o3", unit: "ug/m3"), "co": Attribute("co", unit: "mg/m3"),
            // The upper-case names of the model's older examples.
            "PM25": Attribute("pm25", unit: "ug/m3"), "PM10": Attribute("pm10", unit: "ug/m3"),
            "NO2": Attribute("no2", unit: "ug/m3"), "O3": Attribute("o3", unit: "ug/m3"), "CO": Attribute("co", unit: "mg/m3"),
            "temperature": Attribute("temperature_c", unit: "Cel"), "relativeHumidity": Attribute("humidity_pct", unit: "/"),
        ]),
        "NoiseLevelObserved": NGSIModel(kind: .environment, attributes: [
            "LAeq": Attribute("noise_db", unit: "dB"),
        ]),
        "WaterQualityObserved": NGSIModel(kind: .environment, attributes: [
            "temperature": Attribute("temperature_c", unit: "Cel"),
        ]),
    ]
}
