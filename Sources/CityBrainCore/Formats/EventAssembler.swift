/// Gathers the readings of a pack or an entity array into events: one per kind, sensor and time,
/// in the order first seen. Records that SenML or NGSI-LD send apart (speed in one, occupancy in
/// another) thus meet in one event, as a native frame would carry them.
struct EventAssembler {
    private(set) var events: [Event] = []
    /// Where each event is, once there are too many to scan.
    private var indices: [Key: Int] = [:]

    private struct Key: Hashable {
        var kind: EventKind
        var sensor: String
        var timestamp: Int64
    }

    /// Events scanned for a match before the index is used.
    private static let scanLimit = 8

    /// Adds `reading` (checked already: ``MeasurementCatalogue/reading(_:_:unit:kind:)``) to its
    /// event. A reading whose event fails validation (ids, time) or that repeats a measurement of
    /// its event is rejected alone; the event keeps its other readings.
    mutating func add(_ reading: Reading, kind: EventKind, sensor: String, district: String?, at timestamp: Int64) throws(FrameRejection) {
        guard let index = index(of: kind, sensor, timestamp) else {
            try EventValidation.checkIdentity(sensor: sensor, district: district, timestamp: timestamp)
            let event = Event(kind: kind, sensor: sensor, district: district, timestamp: timestamp, readings: [reading])
            if events.count >= Self.scanLimit {
                if indices.isEmpty { for (index, event) in events.enumerated() { indices[Key(kind: event.kind, sensor: event.sensor, timestamp: event.timestamp)] = index } }
                indices[Key(kind: kind, sensor: sensor, timestamp: timestamp)] = events.count
            }
            events.append(event)
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

    /// The event of `kind`, `sensor` at `timestamp`: the last one first (a pack's records of one
    /// event come together), then a scan of a few, then the index.
    private func index(of kind: EventKind, _ sensor: String, _ timestamp: Int64) -> Int? {
        func matches(_ event: Event) -> Bool { event.timestamp == timestamp && event.sensor == sensor && event.kind == kind }
        if let last = events.last, matches(last) { return events.count - 1 }
        guard events.count > Self.scanLimit else { return events.firstIndex(where: matches) }
        return indices[Key(kind: kind, sensor: sensor, timestamp: timestamp)]
    }
}
