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

    /// - Parameters:
    ///   - cbor: whether the pack came as CBOR (integer labels).
    ///   - receivedAt: when the pack arrived (Unix ms), for relative times; `nil` for files.
    func decode(_ pack: JSONValue, cbor: Bool, receivedAt: Int64?) throws(FrameRejection) -> FrameContent {
        guard case .array(let records) = pack else {
            throw FrameRejection(cbor ? .malformedCBOR : .malformedJSON, "a SenML pack is an array of records, found \(pack.typeDescription)")
        }
        guard !records.isEmpty else { throw FrameRejection(.missingField, "the SenML pack has no records") }
        var base = BaseFields()
        var events = EventAssembler()
        var rejected: [FrameRejection] = []
        for (index, record) in records.enumerated() {
            do throws(FrameRejection) {
                let resolved = try resolve(record, base: &base, cbor: cbor, receivedAt: receivedAt)
                try events.add(resolved.reading, kind: resolved.kind, sensor: resolved.sensor, district: resolved.district, at: resolved.timestamp)
            } catch {
                rejected.append(FrameRejection(error.reason, "record \(index): \(error.detail)"))
            }
        }
        return try FrameContent.combining(events.events, rejected: rejected)
    }

    /// The base fields in force.
    private struct BaseFields {
        var name = ""
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

    private func resolve(_ record: JSONValue, base: inout BaseFields, cbor: Bool, receivedAt: Int64?) throws(FrameRejection) -> ResolvedRecord {
        guard case .object(let members) = record else {
            throw FrameRejection(cbor ? .malformedCBOR : .malformedJSON, "a record must be \(cbor ? "a map" : "an object"), found \(record.typeDescription)")
        }
        var name: String?
        var time: Double?
        var unit: String?
        var value: Double?
        var boolean: Bool?
        var other: String?
        for member in members {
            let label = cbor ? (Self.cborLabels[member.key] ?? member.key) : member.key
            switch label {
            case "bn": base.name = try string(member.value, label)
            case "bt": base.time = try number(member.value, label)
            case "bu": base.unit = try string(member.value, label)
            case "bv": base.value = try number(member.value, label)
            case "bver":
                let version = try number(member.value, label)
                guard version <= 10 else { throw FrameRejection(.wrongType, "SenML version \(version) is newer than 10, the one understood") }
            case "n": name = try string(member.value, label)
            case "t": time = try number(member.value, label)
            case "u": unit = try string(member.value, label)
            case "v": value = try number(member.value, label)
            case "vb":
                guard case .bool(let flag) = member.value else { throw wrongType(label, "a boolean", member.value) }
                boolean = flag
            case "vs", "vd", "s": other = label
            default:
                guard !label.hasSuffix("_") else { throw FrameRejection(.wrongType, "field '\(label.prefix(40))' must be understood and is not") }
            }
        }
        let fullName = base.name + (name ?? "")
        guard !fullName.isEmpty else { throw FrameRejection(.missingField, "the record has no name ('bn' + 'n' is empty)") }
        let resolvedValue: Double
        if let value {
            resolvedValue = value + (base.value ?? 0)
        } else if let boolean {
            resolvedValue = boolean ? 1 : 0
        } else if let other {
            throw FrameRejection(.wrongType, "'\(fullName.prefix(80))' carries '\(other)', not a number ('v') or boolean ('vb')")
        } else if let baseValue = base.value {
            resolvedValue = baseValue
        } else {
            throw FrameRejection(.missingField, "'\(fullName.prefix(80))' has no value ('v' or 'vb')")
        }
        guard resolvedValue.isFinite else { throw FrameRejection(.nonFinite, "the value of '\(fullName.prefix(80))' is not finite") }
        let timestamp = try timestamp(seconds: base.time + (time ?? 0), receivedAt: receivedAt)
        let (kind, district, sensor, measurement) = try identify(fullName)
        let reading = try catalogue.reading(mapping.measurements[measurement] ?? measurement, resolvedValue, unit: unit ?? base.unit, kind: kind)
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
    private func identify(_ name: String) throws(FrameRejection) -> (EventKind, String?, String, String) {
        if let device = mapping.device(for: name) {
            let rest = name.dropFirst(device.prefix.count)
            var measurement = String(rest.drop { $0 == ":" || $0 == "/" || $0 == "." })
            if measurement.isEmpty, let implied = device.measurement { measurement = implied }
            guard !measurement.isEmpty else { throw FrameRejection(.unknownModel, "name '\(name.prefix(80))' names device \(device.sensor) but no measurement") }
            return (device.kind, device.district, device.sensor, measurement)
        }
        guard let slash = name.lastIndex(of: "/") else {
            throw FrameRejection(.unknownModel, "name '\(name.prefix(80))' is not <kind>.<district>.<sensor>/<measurement> and no mapped device's")
        }
        let measurement = String(name[name.index(after: slash)...])
        let parts = name[..<slash].split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty, !measurement.isEmpty else {
            throw FrameRejection(.unknownModel, "name '\(name.prefix(80))' is not <kind>.<district>.<sensor>/<measurement> and no mapped device's")
        }
        guard let kind = catalogue.kind(named: parts[0]) else {
            let known = catalogue.kinds.map(\.rawValue).joined(separator: ", ")
            throw FrameRejection(.unknownKind, "unknown kind '\(parts[0].prefix(40))' in name '\(name.prefix(80))'; expected one of \(known)")
        }
        let district = parts[1].isEmpty || parts[1] == "-" ? nil : String(parts[1])
        return (kind, district, String(parts[2]), measurement)
    }

    private func string(_ value: JSONValue, _ label: String) throws(FrameRejection) -> String {
        guard case .string(let text) = value else { throw wrongType(label, "a string", value) }
        return text
    }

    private func number(_ value: JSONValue, _ label: String) throws(FrameRejection) -> Double {
        guard case .number(let number) = value else { throw wrongType(label, "a number", value) }
        return number
    }

    private func wrongType(_ label: String, _ expected: String, _ value: JSONValue) -> FrameRejection {
        FrameRejection(.wrongType, "field '\(label)' must be \(expected), found \(value.typeDescription)")
    }
}
