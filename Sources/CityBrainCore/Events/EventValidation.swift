/// The checks every event passes, whatever its source: ids of 1–128 bytes, at most 32 readings,
/// known measurements within their physical range (``MeasurementLimits``). The wire decoder
/// applies them to every frame; importers apply them to every row.
public enum EventValidation {
    public static func check(_ event: Event) throws(FrameRejection) {
        try checkIdentity(sensor: event.sensor, district: event.district, timestamp: event.timestamp)
        guard event.readings.count <= MeasurementLimits.maxMeasurements else {
            throw FrameRejection(.outOfRange, "more than \(MeasurementLimits.maxMeasurements) measurements")
        }
        for reading in event.readings { try check(reading, of: event.kind) }
    }

    /// The checks of one reading of a `kind` event: finite, and within its range if it is known.
    public static func check(_ reading: Reading, of kind: EventKind) throws(FrameRejection) {
        try check(reading, of: kind, range: MeasurementLimits.range(of: reading.name, for: kind))
    }

    /// The checks of one reading whose built-in range (if any) the caller looked up already.
    public static func check(_ reading: Reading, of kind: EventKind, range: ClosedRange<Double>?) throws(FrameRejection) {
        guard reading.value.isFinite else { throw FrameRejection(.nonFinite, "field '\(reading.name)' is not a finite number") }
        if let range, !range.contains(reading.value) {
            throw FrameRejection(
                .outOfRange,
                "field '\(reading.name)' = \(reading.value) is outside \(format(range.lowerBound))…\(format(range.upperBound)) for kind \(kind.rawValue)"
            )
        }
    }

    /// The checks of an event's identity: ids of 1–128 bytes, a time within 2000–2100.
    public static func checkIdentity(sensor: String, district: String?, timestamp: Int64) throws(FrameRejection) {
        try checkIdentifier(sensor, field: "sensor")
        if let district { try checkIdentifier(district, field: "district") }
        guard MeasurementLimits.timestamps.contains(timestamp) else {
            throw FrameRejection(.outOfRange, "field 'ts' = \(timestamp) is outside 2000-01-01…2100-01-01 in Unix milliseconds")
        }
    }

    private static func checkIdentifier(_ value: String, field: String) throws(FrameRejection) {
        let count = value.utf8.count
        guard count > 0 else { throw FrameRejection(.outOfRange, "field '\(field)' is empty") }
        guard count <= MeasurementLimits.maxIdentifierBytes else {
            throw FrameRejection(.outOfRange, "field '\(field)' is \(count) bytes; the limit is \(MeasurementLimits.maxIdentifierBytes)")
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
