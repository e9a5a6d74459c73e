/// The checks every event passes, whatever its source: ids of 1–128 bytes, at most 32 readings,
/// known measurements within their physical range (``MeasurementLimits``). The wire decoder
/// applies them to every frame; importers apply them to every row.
public enum EventValidation {
    public static func check(_ event: Event) throws(FrameRejection) {
        try checkIdentifier(event.sensor, field: "sensor")
        if let district = event.district { try checkIdentifier(district, field: "district") }
        guard MeasurementLimits.timestamps.contains(event.timestamp) else {
            throw FrameRejection(.outOfRange, "field 'ts' = \(event.timestamp) is outside 2000-01-01…2100-01-01 in Unix milliseconds")
        }
        guard event.readings.count <= MeasurementLimits.maxMeasurements else {
            throw FrameRejection(.outOfRange, "more than \(MeasurementLimits.maxMeasurements) measurements")
        }
        for reading in event.readings {
            guard reading.value.isFinite else { throw FrameRejection(.nonFinite, "field '\(reading.name)' is not a finite number") }
            if let range = MeasurementLimits.range(of: reading.name, for: event.kind), !range.contains(reading.value) {
                throw FrameRejection(
                    .outOfRange,
                    "field '\(reading.name)' = \(reading.value) is outside \(format(range.lowerBound))…\(format(range.upperBound)) for kind \(event.kind.rawValue)"
                )
            }
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
