/// Gathers the readings of a pack or an entity array into events: one per kind, sensor and time,
/// in the order first seen. Records that SenML or NGSI-LD send apart (speed in one, occupancy in
/// another) thus meet in one event, as a native frame would carry them.
struct EventAssembler {
    private(set) var events: [Event] = []
    private var indices: [Key: Int] = [:]

    private struct Key: Hashable {
        var kind: EventKind
        var sensor: String
        var timestamp: Int64
    }

    /// Adds `reading` to its event. A reading that fails validation (range, ids, time) or repeats
    /// a measurement of its event is rejected alone; the event keeps its other readings.
    mutating func add(_ reading: Reading, kind: EventKind, sensor: String, district: String?, at timestamp: Int64) throws(FrameRejection) {
        try EventValidation.check(Event(kind: kind, sensor: sensor, district: district, timestamp: timestamp, readings: [reading]))
        let key = Key(kind: kind, sensor: sensor, timestamp: timestamp)
        guard let index = indices[key] else {
            indices[key] = events.count
            events.append(Event(kind: kind, sensor: sensor, district: district, timestamp: timestamp, readings: [reading]))
            return
        }
        guard !events[index].readings.contains(where: { $0.name == reading.name }) else {
            throw FrameRejection(.malformedJSON, "a second '\(reading.name)' for \(sensor) at the same time")
        }
        guard events[index].readings.count < MeasurementLimits.maxMeasurements else {
            throw FrameRejection(.outOfRange, "more than \(MeasurementLimits.maxMeasurements) measurements for \(sensor) at the same time")
        }
        events[index].readings.append(reading)
        if events[index].district == nil { events[index].district = district }
    }
}
