/// Decodes a SenML pack (RFC 8428), JSON or CBOR, into events.
///
/// - **Base fields** (`bn`, `bt`, `bu`, `bv`, `bver`) apply to their record and every later one
///   until changed; the resolved name is `bn` + `n`, the time `bt` + `t`, the unit `u` or `bu`,
///   the value `v` + `bv` (`vb` is 1 or 0).
/// - **Times** are seconds since 1970; a resolved time below 2²⁸ is relative to when the pack
///   was received (RFC 8428 §4.5.3), so a pack without a receive time (a file) must use absolute
///   ones.
/// - **Names** are `<kind>.<district>.<sensor>/<measurement>` (`-` for no district), or start with
///   a ``FeedMapping/Device`` prefix. Measurements are converted to the catalogue's units
///   (``MeasurementCatalogue``).
/// - Records of one sensor at one time become **one event**, so `speed` and `occupancy` sent as
///   two records meet in one reading as a native frame would carry them.
/// - A bad record is rejected on its own, with its index; the pack's other records still count.
///   Unknown fields are ignored, as the RFC asks, except those ending in `_`, which a receiver
///   must understand: their record is rejected.
struct SenMLDecoder: Sendable {
    let catalogue: MeasurementCatalogue
    let mapping: FeedMapping

    /// SenML CBOR's integer labels (RFC 8428 §6) and the JSON names they stand for.
    static let cborLabels: [String: String] = [
        "-1": "bver", "-2": "bn", "-3": "bt", "-4": "bu", "-5": "bv", "-6": "bs",
        "0": "n", "1": "u", "2": "v", "3": "vs", "4": "vb", "5": "s", "6": "t", "7": "ut", "8": "vd",
    ]

    /// Decodes a pack held as a tree (SenML CBOR, or JSON already parsed).
    /// - Parameters:
    ///   - cbor: whether the pack came as CBOR (integer labels).
    ///   - receivedAt: when the pack arrived (Unix ms), for relative times; `nil` for files.
    func decode(_ pack: JSONValue, cbor: Bool, receivedAt: Int64?) throws(FrameRejection) -> FrameContent {
        guard case .array(let records) = pack else {
            throw FrameRejection(cbor ? .malformedCBOR : .malformedJSON, "a SenML pack is an array of records, found \(pack.typeDescription)")
        }
        guard !records.isEmpty else { throw FrameRejection(.missingField, "the SenML pack has no records") }
        var pass = Pass(receivedAt: receivedAt)
        for record in records {
            let fields = Result { () throws(FrameRejection) in try Self.fields(of: record, cbor: cbor, base: &pass.base) }
            add(fields, to: &pass)
        }
        return try pass.content()
    }

    /// Decodes a SenML JSON pack in one pass over its bytes, without building a tree: the fields
    /// SenML defines are read straight into a record; anything else is read as a value and
    /// judged like in a tree.
    func decode(json bytes: UnsafeRawBufferPointer, receivedAt: Int64?) throws(FrameRejection) -> FrameContent {
        var cursor = JSONCursor(bytes: bytes)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { cursor.index = 3 }  // UTF-8 BOM
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "[") else {
            guard cursor.peek() != nil else { throw cursor.malformed("empty frame") }
            let value = try JSONValue.parse(json: bytes)
            throw FrameRejection(.malformedJSON, "a SenML pack is an array of records, found \(value.typeDescription)")
        }
        cursor.index += 1
        cursor.skipWhitespace()
        guard cursor.peek() != UInt8(ascii: "]") else { throw FrameRejection(.missingField, "the SenML pack has no records") }
        var pass = Pass(receivedAt: receivedAt)
        while true {
            cursor.skipWhitespace()
            // A syntax error ends the pack (thrown); a record's own problem ends the record.
            add(try Self.record(&cursor, base: &pass.base), to: &pass)
            if try cursor.reachedEnd(UInt8(ascii: "]"), "between records") { break }
        }
        cursor.skipWhitespace()
        guard cursor.index == bytes.count else { throw cursor.malformed("unexpected data after the pack") }
        return try pass.content()
    }

    /// Reads one record at the cursor, throwing syntax errors. A field of the wrong type is read
    /// whole, so the cursor ends after the record either way; the record's first problem is
    /// the result then.
    private static func record(_ cursor: inout JSONCursor, base: inout BaseFields) throws(FrameRejection) -> Result<Fields, FrameRejection> {
        guard cursor.peek() == UInt8(ascii: "{") else {
            var reader = JSONTreeReader(cursor: cursor)
            let value = try reader.value(depth: 1, field: "record")
            cursor = reader.cursor
            return .failure(FrameRejection(.malformedJSON, "a record must be an object, found \(value.typeDescription)"))
        }
        cursor.index += 1
        var fields = Fields()
        var problem: FrameRejection?
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.index += 1
            return .success(fields)
        }
        while true {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.malformed("expected a quoted field name") }
            let label = try cursor.scanString(valueOf: nil)
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.malformed("expected ':' after field '\(label)'") }
            cursor.index += 1
            cursor.skipWhitespace()
            let first = cursor.peek()
            let isString = first == UInt8(ascii: "\"")
            let isNumber = first.map { $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57) } ?? false
            switch label {
            case "n" where isString: fields.name = try cursor.scanString(valueOf: label)
            case "u" where isString: fields.unit = try cursor.scanString(valueOf: label)
            case "v" where isNumber: fields.value = try cursor.scanNumberValue(field: label)
            case "t" where isNumber: fields.time = try cursor.scanNumberValue(field: label)
            case "bn" where isString: base.name = try cursor.scanString(valueOf: label)
            case "bt" where isNumber: base.time = try cursor.scanNumberValue(field: label)
            default:
                var reader = JSONTreeReader(cursor: cursor)
                let value = try reader.value(depth: 2, field: label)
                cursor = reader.cursor
                do throws(FrameRejection) {
                    try fields.take(label, value, base: &base)
                } catch {
                    problem = problem ?? error
                }
            }
            if try cursor.reachedEnd(UInt8(ascii: "}"), "after field", label) { break }
        }
        if let problem { return .failure(problem) }
        return .success(fields)
    }

    /// The fields of a record held in a tree (CBOR, or JSON parsed already).
    private static func fields(of record: JSONValue, cbor: Bool, base: inout BaseFields) throws(FrameRejection) -> Fields {
        guard case .object(let members) = record else {
            throw FrameRejection(cbor ? .malformedCBOR : .malformedJSON, "a record must be \(cbor ? "a map" : "an object"), found \(record.typeDescription)")
        }
        var fields = Fields()
        for member in members {
            try fields.take(cbor ? (cborLabels[member.key] ?? member.key) : member.key, member.value, base: &base)
        }
        return fields
    }

    /// Resolves one record read (or its problem) into the pass's events, or its rejection.
    private func add(_ fields: Result<Fields, FrameRejection>, to pass: inout Pass) {
        defer { pass.index += 1 }
        do throws(FrameRejection) {
            let record = try resolve(try fields.get(), base: &pass.base, receivedAt: pass.receivedAt)
            try pass.events.add(record.reading, kind: record.kind, sensor: record.sensor, district: record.district, at: record.timestamp)
        } catch {
            pass.rejected.append(FrameRejection(error.reason, "record \(pass.index): \(error.detail)"))
        }
    }

    /// One pass over a pack's records: base fields carried from record to record, events
    /// assembled, each record's problem kept with its index.
    private struct Pass {
        let receivedAt: Int64?
        var base = BaseFields()
        var events = EventAssembler()
        var rejected: [FrameRejection] = []
        var index = 0

        init(receivedAt: Int64?) {
            self.receivedAt = receivedAt
        }

        func content() throws(FrameRejection) -> FrameContent {
            try FrameContent.combining(events.events, rejected: rejected)
        }
    }

    /// The fields of one record as read, before the base fields are applied.
    private struct Fields {
        var name: String?
        var time: Double?
        var unit: String?
        var value: Double?
        var boolean: Bool?
        /// `vs`, `vd` or `s`: a value CityBrain cannot use as a measurement.
        var other: String?

        /// Takes one field; base fields go to `base` at once (they apply to this record too).
        mutating func take(_ label: String, _ value: JSONValue, base: inout BaseFields) throws(FrameRejection) {
            switch label {
            case "bn": base.name = try Self.string(value, label)
            case "bt": base.time = try Self.number(value, label)
            case "bu": base.unit = try Self.string(value, label)
            case "bv": base.value = try Self.number(value, label)
            case "bver":
                let version = try Self.number(value, label)
                guard version <= 10 else { throw FrameRejection(.wrongType, "SenML version \(version) is newer than 10, the one understood") }
            case "n": name = try Self.string(value, label)
            case "t": time = try Self.number(value, label)
            case "u": unit = try Self.string(value, label)
            case "v": self.value = try Self.number(value, label)
            case "vb":
                guard case .bool(let flag) = value else { throw Self.wrongType(label, "a boolean", value) }
                boolean = flag
            case "vs", "vd", "s": other = label
            default:
                guard !label.hasSuffix("_") else { throw FrameRejection(.wrongType, "field '\(label.prefix(40))' must be understood and is not") }
            }
        }

        private static func string(_ value: JSONValue, _ label: String) throws(FrameRejection) -> String {
            guard case .string(let text) = value else { throw wrongType(label, "a string", value) }
            return text
        }

        private static func number(_ value: JSONValue, _ label: String) throws(FrameRejection) -> Double {
            guard case .number(let number) = value else { throw wrongType(label, "a number", value) }
            return number
        }

        private static func wrongType(_ label: String, _ expected: String, _ value: JSONValue) -> FrameRejection {
            FrameRejection(.wrongType, "field '\(label)' must be \(expected), found \(value.typeDescription)")
        }
    }

    /// The base fields in force.
    private struct BaseFields {
        var name = "" {
            didSet { source = nil }
        }
        /// The kind, district and sensor `name` names when it is `<kind>.<district>.<sensor>/`,
        /// worked out once per base name.
        var source: (kind: EventKind, district: String?, sensor: String)?
        var time = 0.0
        var unit: String?
        var value: Double?
    }

    /// One record with its base fields applied and its name resolved.
    private struct ResolvedRecord {
        var kind: EventKind
        var district: String?
        var sensor: String
        var timestamp: Int64
        var reading: Reading
    }

    private func resolve(_ fields: Fields, base: inout BaseFields, receivedAt: Int64?) throws(FrameRejection) -> ResolvedRecord {
        let (name, unit) = (fields.name, fields.unit)
        // Built only where needed: a message, a name that is not `<topic>/` + measurement.
        func fullName() -> String { base.name + (name ?? "") }
        guard !base.name.isEmpty || name?.isEmpty == false else { throw FrameRejection(.missingField, "the record has no name ('bn' + 'n' is empty)") }
        let resolvedValue: Double
        if let value = fields.value {
            resolvedValue = value + (base.value ?? 0)
        } else if let boolean = fields.boolean {
            resolvedValue = boolean ? 1 : 0
        } else if let other = fields.other {
            throw FrameRejection(.wrongType, "'\(fullName().prefix(80))' carries '\(other)', not a number ('v') or boolean ('vb')")
        } else if let baseValue = base.value {
            resolvedValue = baseValue
        } else {
            throw FrameRejection(.missingField, "'\(fullName().prefix(80))' has no value ('v' or 'vb')")
        }
        guard resolvedValue.isFinite else { throw FrameRejection(.nonFinite, "the value of '\(fullName().prefix(80))' is not finite") }
        let timestamp = try timestamp(seconds: base.time + (fields.time ?? 0), receivedAt: receivedAt)
        let kind: EventKind, district: String?, sensor: String, measurement: String
        if mapping.devices.isEmpty, let name, !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")), base.name.utf8.last == UInt8(ascii: "/") {
            // CityBrain's own packs: `bn` is the feed topic and a `/`, `n` the measurement.
            if base.source == nil {
                // From the base name alone (no concatenation); a bad one is reported with the
                // record's whole name.
                let source: (EventKind, String?, String, String)
                if let fromBase = try? identify(base.name, measurementOptional: true) { source = fromBase } else { source = try identify(fullName()) }
                base.source = (source.0, source.1, source.2)
            }
            (kind, district, sensor, measurement) = (base.source!.kind, base.source!.district, base.source!.sensor, name)
        } else {
            (kind, district, sensor, measurement) = try identify(fullName())
        }
        let mapped = mapping.measurements.isEmpty ? measurement : mapping.measurements[measurement] ?? measurement
        let reading = try catalogue.reading(mapped, resolvedValue, unit: unit ?? base.unit, kind: kind)
        return ResolvedRecord(kind: kind, district: district, sensor: sensor, timestamp: timestamp, reading: reading)
    }

    /// RFC 8428 §4.5.3: values below 2²⁸ are seconds relative to now.
    private func timestamp(seconds: Double, receivedAt: Int64?) throws(FrameRejection) -> Int64 {
        guard seconds.isFinite else { throw FrameRejection(.nonFinite, "the time is not finite") }
        var milliseconds = seconds * 1000
        if seconds < 268_435_456 {
            guard let receivedAt else {
                throw FrameRejection(.missingField, "time \(seconds) s is relative to the receive time, which a file does not have; use absolute times (seconds since 1970)")
            }
            milliseconds += Double(receivedAt)
        }
        let rounded = milliseconds.rounded()
        guard rounded >= Double(MeasurementLimits.timestamps.lowerBound), rounded <= Double(MeasurementLimits.timestamps.upperBound) else {
            throw FrameRejection(.outOfRange, "time \(seconds) s is outside 2000-01-01…2100-01-01")
        }
        return Int64(rounded)
    }

    /// The kind, district, sensor and measurement a resolved name stands for.
    private func identify(_ name: String, measurementOptional: Bool = false) throws(FrameRejection) -> (EventKind, String?, String, String) {
        if let device = mapping.device(for: name) {
            let rest = name.dropFirst(device.prefix.count)
            var measurement = String(rest.drop { $0 == ":" || $0 == "/" || $0 == "." })
            if measurement.isEmpty, let implied = device.measurement { measurement = implied }
            guard !measurement.isEmpty else { throw FrameRejection(.unknownModel, "name '\(name.prefix(80))' names device \(device.sensor) but no measurement") }
            return (device.kind, device.district, device.sensor, measurement)
        }
        var utf8 = name
        let result: Result<(EventKind, String?, String, String), FrameRejection> = utf8.withUTF8 { bytes in
            Result { () throws(FrameRejection) in try identify(topicName: UnsafeRawBufferPointer(bytes), name, measurementOptional: measurementOptional) }
        }
        return try result.get()
    }

    /// `<kind>.<district>.<sensor>/<measurement>` read from the name's bytes: the kind and the
    /// district end at the first two dots, the measurement starts after the last slash.
    private func identify(topicName bytes: UnsafeRawBufferPointer, _ name: String, measurementOptional: Bool) throws(FrameRejection) -> (EventKind, String?, String, String) {
        func notATopicName() -> FrameRejection {
            FrameRejection(.unknownModel, "name '\(name.prefix(80))' is not <kind>.<district>.<sensor>/<measurement> and no mapped device's")
        }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), let firstDot = bytes[..<slash].firstIndex(of: UInt8(ascii: ".")),
              let secondDot = bytes[(firstDot + 1)..<slash].firstIndex(of: UInt8(ascii: ".")),
              secondDot + 1 < slash, measurementOptional || slash + 1 < bytes.count else { throw notATopicName() }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        let kindBytes = UnsafeRawBufferPointer(rebasing: bytes[..<firstDot])
        guard let kind = catalogue.kinds.first(where: { $0.rawValue.utf8.elementsEqual(kindBytes) }) else {
            let known = catalogue.kinds.map(\.rawValue).joined(separator: ", ")
            throw FrameRejection(.unknownKind, "unknown kind '\(text(0..<firstDot).prefix(40))' in name '\(name.prefix(80))'; expected one of \(known)")
        }
        let districtRange = (firstDot + 1)..<secondDot
        let district = districtRange.isEmpty || (districtRange.count == 1 && bytes[firstDot + 1] == UInt8(ascii: "-")) ? nil : text(districtRange)
        return (kind, district, text((secondDot + 1)..<slash), text((slash + 1)..<bytes.count))
    }
}
