/// Writes an ``Event`` as a SenML pack (RFC 8428), the inverse of CityBrain's SenML decoding:
/// the base name is the feed topic and a `/` (`traffic.d07.seg-00421/`), the base time the event
/// time in seconds, one record per reading with its unit from the catalogue.
///
/// ```json
/// [{"bn":"traffic.d07.seg-00421/","bt":1732270000.123,"n":"speed_kmh","u":"km/h","v":43.5},
///  {"n":"occupancy","u":"/","v":0.31}]
/// ```
public enum SenMLEncoder {
    /// The pack as JSON text.
    public static func json(_ event: Event, catalogue: MeasurementCatalogue = .builtIn) -> String {
        var text = "["
        for (index, reading) in event.readings.enumerated() {
            var record = JSONObjectWriter()
            if index == 0 {
                record.field("bn", FeedTopic.topic(for: event) + "/")
                record.field("bt", Double(event.timestamp) / 1000)
            }
            record.field("n", reading.name)
            if let unit = catalogue.unit(of: reading.name, for: event.kind) { record.field("u", unit) }
            record.field("v", reading.value)
            if index > 0 { text += "," }
            text += record.finish()
        }
        return text + "]"
    }

    /// The pack as CBOR, with SenML's integer labels (RFC 8428 §6).
    public static func cbor(_ event: Event, catalogue: MeasurementCatalogue = .builtIn) -> [UInt8] {
        var writer = CBORWriter()
        writer.arrayHeader(count: event.readings.count)
        for (index, reading) in event.readings.enumerated() {
            let unit = catalogue.unit(of: reading.name, for: event.kind)
            writer.mapHeader(count: 2 + (index == 0 ? 2 : 0) + (unit == nil ? 0 : 1))
            if index == 0 {
                writer.integer(-2)
                writer.text(FeedTopic.topic(for: event) + "/")
                writer.integer(-3)
                writer.number(Double(event.timestamp) / 1000)
            }
            writer.integer(0)
            writer.text(reading.name)
            if let unit {
                writer.integer(1)
                writer.text(unit)
            }
            writer.integer(2)
            writer.number(reading.value)
        }
        return writer.bytes
    }
}
