/// The one-pass scanner behind ``EventDecoder``. Internal: its contract is the decoder's.
struct JSONEventScanner {
    private var cursor: JSONCursor
    private let declaredKinds: Set<EventKind>

    init(bytes: UnsafeRawBufferPointer, declaredKinds: Set<EventKind> = []) {
        self.cursor = JSONCursor(bytes: bytes)
        self.declaredKinds = declaredKinds
    }

    // MARK: Object

    mutating func scanEvent() throws(FrameRejection) -> Event {
        do {
            return try scanObject()
        } catch where error.reason != .malformedJSON && !cursor.endsLikeAnObject {
            // A frame cut short can look like a wrong type (`"speed_kmh":tr`) or a number out of
            // range (`"ts":17322`) before its end is reached: a frame that does not end with '}'
            // is malformed first.
            throw FrameRejection(.malformedJSON, "the frame ends before its JSON object does (\(cursor.bytes.count) bytes; truncated?)")
        }
    }

    private mutating func scanObject() throws(FrameRejection) -> Event {
        if cursor.bytes.count >= 3, cursor.bytes[0] == 0xEF, cursor.bytes[1] == 0xBB, cursor.bytes[2] == 0xBF { cursor.index = 3 }  // UTF-8 BOM
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            throw cursor.malformed(cursor.peek() == nil ? "empty frame" : "expected '{' to start a JSON object")
        }
        cursor.index += 1

        var kindText: String?
        var sensor: String?
        var district: String?
        var timestamp: Int64?
        var sequence: Int64?
        var readings: [Reading] = []
        // Room for a typical reading's measurements at once: growing from one took two more
        // allocations per event (`perf probe` on malloc: 14 % of them on the benchmark pipeline).
        readings.reserveCapacity(4)

        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.index += 1
        } else {
            while true {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.malformed("expected a quoted field name") }
                let key = try cursor.scanString(valueOf: nil)
                let field = Field(key)
                // Duplicates are found without a per-frame set: the fixed fields by their values,
                // measurements by a scan of the (few) readings so far.
                let duplicate = switch field {
                case .kind: kindText != nil
                case .sensor: sensor != nil
                case .district: district != nil
                case .ts: timestamp != nil
                case .seq: sequence != nil
                case .measurement: readings.contains { $0.name == key }
                }
                guard !duplicate else { throw cursor.malformed("duplicate field '\(key)'") }
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.malformed("expected ':' after field '\(key)'") }
                cursor.index += 1
                cursor.skipWhitespace()
                switch field {
                case .kind: kindText = try cursor.scanStringValue(field: key)
                case .sensor: sensor = try cursor.scanStringValue(field: key)
                case .district: district = try cursor.scanStringValue(field: key)
                case .ts: timestamp = try scanTimestamp()
                case .seq: sequence = try scanSequence()
                case .measurement:
                    guard readings.count < MeasurementLimits.maxMeasurements else {
                        throw FrameRejection(.outOfRange, "more than \(MeasurementLimits.maxMeasurements) readings")
                    }
                    readings.append(Reading(key, try cursor.scanNumberValue(field: key)))
                }
                if try cursor.reachedEnd(UInt8(ascii: "}"), "after field", key) { break }
            }
        }
        cursor.skipWhitespace()
        guard cursor.index == cursor.bytes.count else { throw cursor.malformed("unexpected data after the JSON object") }

        guard let kindText else { throw FrameRejection(.missingField, "required field 'kind' is missing") }
        guard let sensor else { throw FrameRejection(.missingField, "required field 'sensor' is missing") }
        guard let timestamp else { throw FrameRejection(.missingField, "required field 'ts' is missing") }
        guard let kind = knownKind(kindText) else {
            let known = (EventKind.builtIn + declaredKinds.sorted()).map(\.rawValue).joined(separator: ", ")
            throw FrameRejection(.unknownKind, "unknown kind '\(kindText.prefix(40))'; expected one of \(known)")
        }
        let event = Event(kind: kind, sensor: sensor, district: district, timestamp: timestamp, readings: readings, sequence: sequence)
        try EventValidation.check(event)
        return event
    }

    /// The kind `text` names, if the decoder knows it: the built-in ones first, by comparison.
    private func knownKind(_ text: String) -> EventKind? {
        for kind in EventKind.builtIn where kind.rawValue == text { return kind }
        guard !declaredKinds.isEmpty, let kind = EventKind(rawValue: text), declaredKinds.contains(kind) else { return nil }
        return kind
    }

    /// What a field name stands for: one comparison per field instead of a string switch.
    private enum Field {
        case kind, sensor, district, ts, seq, measurement

        init(_ name: String) {
            self = switch name.utf8.count {
            case 2: name == "ts" ? .ts : .measurement
            case 3: name == "seq" ? .seq : .measurement
            case 4: name == "kind" ? .kind : .measurement
            case 6: name == "sensor" ? .sensor : .measurement
            case 8: name == "district" ? .district : .measurement
            default: .measurement
            }
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private mutating func scanTimestamp() throws(FrameRejection) -> Int64 {
        let value = try cursor.scanNumberValue(field: "ts")
        guard value == value.rounded(.towardZero) else {
            throw FrameRejection(.wrongType, "field 'ts' must be an integer number of Unix milliseconds, found \(value)")
        }
        guard value >= Double(MeasurementLimits.timestamps.lowerBound), value <= Double(MeasurementLimits.timestamps.upperBound) else {
            throw FrameRejection(.outOfRange, "field 'ts' = \(format(value)) is outside 2000-01-01…2100-01-01 in Unix milliseconds")
        }
        return Int64(value)
    }

    private mutating func scanSequence() throws(FrameRejection) -> Int64 {
        let value = try cursor.scanNumberValue(field: "seq")
        guard value == value.rounded(.towardZero) else {
            throw FrameRejection(.wrongType, "field 'seq' must be an integer message counter, found \(value)")
        }
        guard value >= 0, value < 9e15 else {
            throw FrameRejection(.outOfRange, "field 'seq' = \(format(value)) must be between 0 and 9e15")
        }
        return Int64(value)
    }
}
