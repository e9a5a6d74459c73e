/// Writes an ``Event`` as its native JSON wire frame (the inverse of ``EventDecoder``).
///
/// Field order is fixed (`kind`, `sensor`, `district`, `ts`, `seq`, then readings in order), so the
/// same event always gives the same bytes: recordings and replays stay comparable.
public enum EventEncoder {
    /// The JSON object for `event`, e.g.
    /// `{"kind":"traffic","sensor":"seg-00421","district":"d07","ts":1732270000123,"speed_kmh":43.5}`.
    public static func json(_ event: Event) -> String {
        var writer = JSONObjectWriter()
        writer.field("kind", event.kind.rawValue)
        writer.field("sensor", event.sensor)
        if let district = event.district { writer.field("district", district) }
        writer.field("ts", event.timestamp)
        if let sequence = event.sequence { writer.field("seq", sequence) }
        for reading in event.readings {
            writer.field(reading.name, reading.value)
        }
        return writer.finish()
    }
}
