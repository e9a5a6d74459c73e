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
        var recording: ShapeRecording?
        return try scanEvent(recording: &recording)
    }

    /// The full scan, and the one rejection a frame cut short gets. With a `recording`, it notes
    /// where each value lies, for ``FrameShape``.
    private mutating func scanEvent(recording: inout ShapeRecording?) throws(FrameRejection) -> Event {
        do {
            return try scanObject(recording: &recording)
        } catch where error.reason != .malformedJSON && !cursor.endsLikeAnObject {
            // A frame cut short can look like a wrong type (`"speed_kmh":tr`) or a number out of
            // range (`"ts":17322`) before its end is reached: a frame that does not end with '}'
            // is malformed first.
            throw FrameRejection(.malformedJSON, "the frame ends before its JSON object does (\(cursor.bytes.count) bytes; truncated?)")
        }
    }

    /// Reads an event as ``scanEvent()`` does, first trying the frame against the layouts of
    /// frames read before (``FrameShapes``); a frame read in full may teach `shapes` its layout.
    /// The event, or the rejection, is the one ``scanEvent()`` gives.
    @inline(__always)
    mutating func scanEvent(shapes: inout FrameShapes) throws(FrameRejection) -> Event {
        // Taken out, not bound: binding the optional copied the event (retaining its parts).
        var shaped = shapes.firstMatch(where: { shape in scanShaped(shape) })
        if let event = shaped.take() { return event }
        cursor.index = 0
        guard shapes.wantsToLearn else { return try scanEvent() }
        var recording: ShapeRecording? = ShapeRecording()
        let event = try scanEvent(recording: &recording)
        if let recording, let shape = FrameShape(recording, of: cursor.bytes, event: event) { shapes.learn(shape) }
        return event
    }

    private mutating func scanObject(recording: inout ShapeRecording?) throws(FrameRejection) -> Event {
        if cursor.bytes.count >= 3, cursor.bytes[0] == 0xEF, cursor.bytes[1] == 0xBB, cursor.bytes[2] == 0xBF { cursor.index = 3 }  // UTF-8 BOM
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            throw cursor.malformed(cursor.peek() == nil ? "empty frame" : "expected '{' to start a JSON object")
        }
        cursor.index += 1

        // The kind, once read (a built-in one matched from its bytes), its place among the
        // built-in ones, and the text of a kind the decoder does not know (reported after the scan).
        var kind: EventKind?
        var kindIndex: Int?
        var kindText: String?
        var sensor: String?
        var district: String?
        var timestamp: Int64?
        var sequence: Int64?
        var readings: [Reading] = []
        // Room for a typical reading's measurements at once: growing from one took two more
        // allocations per event (`perf probe` on malloc: 14 % of them on the benchmark pipeline).
        readings.reserveCapacity(4)
        var ranges = RangeChecks()
        // Built-in measurements seen so far (by catalogue index), to find duplicates without
        // comparing names.
        var known: UInt64 = 0

        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.index += 1
        } else {
            while true {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.malformed("expected a quoted field name") }
                let (field, key, catalogueIndex) = try scanFieldName()
                // Duplicates are found without a per-frame set: the fixed fields by their values,
                // built-in measurements by their bit, others by a scan of the (few) readings so far.
                let duplicate = switch field {
                case .kind: kind != nil || kindText != nil
                case .sensor: sensor != nil
                case .district: district != nil
                case .ts: timestamp != nil
                case .seq: sequence != nil
                case .measurement:
                    if let catalogueIndex { known & (1 << UInt64(catalogueIndex)) != 0 } else { readings.contains { $0.name == key } }
                }
                guard !duplicate else { throw cursor.malformed("duplicate field '\(key)'") }
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.malformed("expected ':' after field '\(key)'") }
                cursor.index += 1
                cursor.skipWhitespace()
                let valueStart = cursor.index
                switch field {
                case .kind:
                    if let builtIn = scanBuiltInKind() {
                        kindIndex = builtIn
                        kind = EventKind.builtIn[builtIn]
                    } else {
                        // Escaped, declared or unknown: as text.
                        let text = try cursor.scanStringValue(field: key)
                        kind = knownKind(text)
                        kindIndex = kind.flatMap { EventKind.builtIn.firstIndex(of: $0) }
                        if kind == nil { kindText = text }
                    }
                case .sensor: sensor = try cursor.scanStringValue(field: key)
                case .district: district = try cursor.scanStringValue(field: key)
                case .ts: timestamp = try scanTimestamp()
                case .seq: sequence = try scanSequence()
                case .measurement:
                    guard readings.count < MeasurementLimits.maxMeasurements else {
                        throw FrameRejection(.outOfRange, "more than \(MeasurementLimits.maxMeasurements) readings")
                    }
                    let value = try cursor.scanNumberValue(field: key)
                    if let catalogueIndex {
                        known |= 1 << UInt64(catalogueIndex)
                        ranges.check(value, named: key, catalogueIndex: catalogueIndex, kindRead: kind != nil || kindText != nil, kind: kind,
                                     kindIndex: kindIndex)
                    }
                    readings.append(Reading(key, value))
                }
                recording?.note(field, key, value: valueStart..<cursor.index)
                if try cursor.reachedEnd(UInt8(ascii: "}"), "after field", key) { break }
            }
        }
        cursor.skipWhitespace()
        guard cursor.index == cursor.bytes.count else { throw cursor.malformed("unexpected data after the JSON object") }

        guard kind != nil || kindText != nil else { throw FrameRejection(.missingField, "required field 'kind' is missing") }
        guard let sensor else { throw FrameRejection(.missingField, "required field 'sensor' is missing") }
        guard let timestamp else { throw FrameRejection(.missingField, "required field 'ts' is missing") }
        guard let kind else {
            let known = (EventKind.builtIn + declaredKinds.sorted()).map(\.rawValue).joined(separator: ", ")
            throw FrameRejection(.unknownKind, "unknown kind '\(kindText?.prefix(40) ?? "")'; expected one of \(known)")
        }
        let event = Event(kind: kind, sensor: sensor, district: district, timestamp: timestamp, readings: readings, sequence: sequence)
        try ranges.checkRest(of: event)
        return event
    }

    /// Validation fused into the scan: a built-in measurement's range is checked as its value
    /// is read, and the first one outside it reported after the scan, where a separate
    /// validation pass reported it (so a frame's first error stays the same). A measurement read
    /// before `kind` is checked after the scan instead.
    struct RangeChecks {
        private var outOfRange: FrameRejection?
        private var deferred = false

        /// Checks a built-in measurement's value, or defers that until the kind is known:
        /// `kindRead` says whether the `kind` field came before it (`kind` is `nil` if it named
        /// no kind the decoder knows).
        @inline(__always)
        mutating func check(_ value: Double, named key: String, catalogueIndex: Int, kindRead: Bool, kind: EventKind?, kindIndex: Int?) {
            if !kindRead {
                deferred = true
            } else if outOfRange == nil, let kind, let kindIndex,
                      let range = JSONEventScanner.catalogue.entries[catalogueIndex].ranges[kindIndex], !range.contains(value) {
                do throws(FrameRejection) {
                    try EventValidation.check(Reading(key, value), of: kind, range: range)
                } catch {
                    outOfRange = error
                }
            }
        }

        /// The checks left once every field is read, in the order a separate validation pass
        /// (``EventValidation/check(_:)``) made them: the identity, then each reading (the
        /// count and finiteness were checked as they were read).
        @inline(__always)
        func checkRest(of event: borrowing Event) throws(FrameRejection) {
            try EventValidation.checkIdentity(sensor: event.sensor, district: event.district, timestamp: event.timestamp)
            if deferred {
                for reading in event.readings { try EventValidation.check(reading, of: event.kind) }
            } else if let outOfRange {
                throw outOfRange
            }
        }
    }

    // MARK: Frames of a known layout

    /// Reads the frame as one of `shape`'s layout: its literal bytes compared, only its values
    /// read. `nil` if the frame does not have that layout or anything in it is
    /// rejected (the full scan then reads it again, and reports what is wrong where it always has).
    ///
    /// The literal holds every byte the full scan read outside the values (the `kind` value
    /// too), so a frame that matches it is read by the full scan in the same steps: the same
    /// fields in the same order (no duplicates, the same kind), and each value by the same
    /// function. What is left are the checks of the values: the same calls, and each
    /// measurement's range for the kind (the one the scan checks, as it reads the value or after).
    private mutating func scanShaped(_ shape: FrameShape) -> Event? {
        cursor.index = 0
        // The layout has a sensor and a time (its frame had); the event is made once, at the end.
        var sensor = ""
        var district: String?
        var timestamp: Int64 = 0
        var sequence: Int64?
        var readings: [Reading] = []
        readings.reserveCapacity(shape.readingCount)
        var literalStart = 0
        do throws(FrameRejection) {
            for slot in shape.slots.indices {
                let literalEnd = shape.slots[slot].literalEnd
                guard shape.matches(cursor.bytes, at: cursor.index, literal: literalStart..<literalEnd) else { return nil }
                cursor.index += literalEnd - literalStart
                literalStart = literalEnd
                switch shape.slots[slot].field {
                case .sensor: sensor = try cursor.scanStringValue(field: "sensor")
                case .district: district = try cursor.scanStringValue(field: "district")
                case .ts: timestamp = try scanTimestamp()
                case .seq: sequence = try scanSequence()
                case .measurement:
                    let name = shape.slots[slot].name
                    let value = try cursor.scanNumberValue(field: name)
                    guard value >= shape.slots[slot].lowest, value <= shape.slots[slot].highest else { return nil }
                    readings.append(Reading(name, value))
                case .kind:
                    return nil  // never a slot: the kind's value is literal
                }
            }
            let literalEnd = shape.literalCount
            guard cursor.index + literalEnd - literalStart == cursor.bytes.count,
                  shape.matches(cursor.bytes, at: cursor.index, literal: literalStart..<literalEnd) else { return nil }
            try EventValidation.checkIdentity(sensor: sensor, district: district, timestamp: timestamp)
            return Event(kind: shape.kind, sensor: sensor, district: district, timestamp: timestamp, readings: readings, sequence: sequence)
        } catch {
            return nil
        }
    }

    /// The built-in measurements, matched from a frame's bytes.
    fileprivate static let catalogue = KnownMeasurements.builtIn

    /// Reads a field name: what it stands for, its text (for a measurement's reading and for
    /// errors), and its index in the built-in catalogue if it is a built-in measurement. A short
    /// ASCII name is matched from its bytes; a String is made only for a measurement the
    /// catalogue does not hold.
    @inline(__always)
    private mutating func scanFieldName() throws(FrameRejection) -> (Field, String, Int?) {
        let start = cursor.index
        guard let packed = cursor.scanPackedName() else {
            let key = try cursor.scanString(valueOf: nil)
            let field = Field(key)
            return (field, key, field == .measurement ? Self.catalogue.index(of: key) : nil)
        }
        let field = Field(packed)
        guard field == .measurement else { return (field, field.name, nil) }
        if let index = Self.catalogue.index(of: packed) { return (field, Self.catalogue.entries[index].name, index) }
        return (field, JSONCursor.asciiString(UnsafeRawBufferPointer(rebasing: cursor.bytes[(start + 1)..<(cursor.index - 1)])), nil)
    }

    /// A `kind` value naming a built-in kind, matched from its bytes: its index in
    /// ``EventKind/builtIn``. `nil` (the cursor unmoved) for anything else, which is read as text.
    private mutating func scanBuiltInKind() -> Int? {
        let start = cursor.index
        guard cursor.peek() == UInt8(ascii: "\""), let packed = cursor.scanPackedName() else { return nil }
        if let index = Self.builtInKindNames.firstIndex(of: packed) { return index }
        cursor.index = start
        return nil
    }

    private static let builtInKindNames = EventKind.builtIn.map { PackedName($0.rawValue)! }

    /// The kind `text` names, if the decoder knows it: the built-in ones first, by comparison.
    private func knownKind(_ text: String) -> EventKind? {
        for kind in EventKind.builtIn where kind.rawValue == text { return kind }
        guard !declaredKinds.isEmpty, let kind = EventKind(rawValue: text), declaredKinds.contains(kind) else { return nil }
        return kind
    }

    /// What a field name stands for: one comparison per field instead of a string switch.
    enum Field {
        case kind, sensor, district, ts, seq, measurement

        /// A name read as text (it had an escape, or too many bytes to pack): the fixed fields'
        /// names all pack, so one that does not is a measurement.
        init(_ name: String) {
            self = PackedName(name).map(Field.init) ?? .measurement
        }

        init(_ name: PackedName) {
            self = switch name.count {
            case 2: name == Self.packed.ts ? .ts : .measurement
            case 3: name == Self.packed.seq ? .seq : .measurement
            case 4: name == Self.packed.kind ? .kind : .measurement
            case 6: name == Self.packed.sensor ? .sensor : .measurement
            case 8: name == Self.packed.district ? .district : .measurement
            default: .measurement
            }
        }

        /// The fixed fields' names (a measurement's is its own).
        var name: String {
            switch self {
            case .kind: "kind"
            case .sensor: "sensor"
            case .district: "district"
            case .ts: "ts"
            case .seq: "seq"
            case .measurement: ""
            }
        }

        /// The fixed fields' names, packed (little-endian ASCII; `KnownMeasurementsTests` checks
        /// them against `PackedName("…")`). Written out: matched for every field of every frame,
        /// a `static let` cost a `swift_once` call each time (1 % of the one-rule offline job).
        static var packed: (ts: PackedName, seq: PackedName, kind: PackedName, sensor: PackedName, district: PackedName) {
            (PackedName(low: 0x7374, count: 2), PackedName(low: 0x71_6573, count: 3), PackedName(low: 0x646E_696B, count: 4),
             PackedName(low: 0x726F_736E_6573, count: 6), PackedName(low: 0x7463_6972_7473_6964, count: 8))
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
