/// Writes an ``Event`` of a built-in kind as FIWARE Smart Data Model entities in NGSI-LD's
/// normalized form, the inverse of CityBrain's NGSI-LD decoding (``FeedFormat/ngsiLD``):
///
/// - traffic → `TrafficFlowObserved` (`averageVehicleSpeed`, `occupancy`, and `intensity` over
///   a one-hour observation period ending at the event time, so it reads back as `flow_vph`);
/// - parking → `OffStreetParking` (`totalSpotNumber`, `occupiedSpotNumber`);
/// - environment → `AirQualityObserved` (`pm25`, `pm10`, `no2`, `o3`, `co`, `temperature`,
///   `relativeHumidity`), and `NoiseLevelObserved` (`LAeq`) for `noise_db`.
///
/// Other catalogue measurements are written under their own names (NGSI-LD entities are open).
/// One event gives one entity, or an array of two when it carries noise and air readings.
public enum NGSILDEncoder {
    /// The entity (or array of entities) as JSON text; `nil` for a kind no built-in model holds.
    public static func json(_ event: Event) -> String? {
        let time = EventTime.iso8601(event.timestamp)
        switch event.kind {
        case .traffic:
            var entity = Entity("TrafficFlowObserved", event, time)
            var flow: Double?
            for reading in event.readings {
                switch reading.name {
                case "speed_kmh": entity.property("averageVehicleSpeed", reading.value, unitCode: "KMH")
                case "occupancy": entity.property("occupancy", reading.value, unitCode: "C62")
                case "flow_vph": flow = reading.value
                case "travel_time_s": entity.property("travel_time_s", reading.value, unitCode: "SEC")
                default: entity.property(reading.name, reading.value)
                }
            }
            if let flow {
                entity.property("intensity", flow)
                entity.dateTime("dateObservedFrom", EventTime.iso8601(event.timestamp - 3_600_000))
                entity.dateTime("dateObservedTo", time)
            }
            return entity.finish()
        case .parking:
            var entity = Entity("OffStreetParking", event, time)
            for reading in event.readings {
                switch reading.name {
                case "capacity": entity.property("totalSpotNumber", reading.value)
                case "occupied": entity.property("occupiedSpotNumber", reading.value)
                default: entity.property(reading.name, reading.value)
                }
            }
            return entity.finish()
        case .environment:
            var air = Entity("AirQualityObserved", event, time)
            var noise: Entity?
            for reading in event.readings {
                switch reading.name {
                case "pm25", "pm10", "no2", "o3": air.property(reading.name, reading.value, unitCode: "GQ")
                case "co": air.property("co", reading.value, unitCode: "GP")
                case "temperature_c": air.property("temperature", reading.value, unitCode: "CEL")
                case "humidity_pct": air.property("relativeHumidity", reading.value, unitCode: "P1")
                case "water_level_cm": air.property("water_level_cm", reading.value, unitCode: "CMT")
                case "noise_db":
                    var entity = noise ?? Entity("NoiseLevelObserved", event, time)
                    entity.property("LAeq", reading.value, unitCode: "2N")
                    noise = entity
                default: air.property(reading.name, reading.value)
                }
            }
            guard var noise else { return air.finish() }
            return air.count == 0 ? noise.finish() : "[\(air.finish()),\(noise.finish())]"
        default:
            return nil
        }
    }

    /// One normalized entity being written.
    private struct Entity {
        private var writer = JSONObjectWriter()
        private let time: String
        /// Measurement properties written.
        private(set) var count = 0

        init(_ type: String, _ event: Event, _ time: String) {
            self.time = time
            writer.field("id", "urn:ngsi-ld:\(type):\(event.sensor)")
            writer.field("type", type)
            dateTime("dateObserved", time)
            if let district = event.district { NGSIProperty.text(&writer, "areaServed", district) }
        }

        mutating func property(_ name: String, _ value: Double, unitCode: String? = nil) {
            NGSIProperty.number(&writer, name, value, unitCode: unitCode, observedAt: time)
            count += 1
        }

        mutating func dateTime(_ name: String, _ value: String) {
            NGSIProperty.dateTime(&writer, name, value)
        }

        mutating func finish() -> String {
            writer.field("@context", strings: ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"])
            return writer.finish()
        }
    }
}
