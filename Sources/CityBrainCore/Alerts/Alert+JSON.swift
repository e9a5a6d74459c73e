import Foundation

extension Alert {
    /// The alert's wire JSON, fields in a fixed order (see `docs/wire-format.md`).
    ///
    /// `values` is an object keyed by aggregate name. `score`, `expected`, `observed_at`,
    /// `sensors`, `emitted_at`, `handling`, `shard` and `shard_seq` are written only when set.
    public var json: String {
        var writer = JSONObjectWriter()
        writer.field("seq", seq)
        if let epoch { writer.field("epoch", epoch) }
        writer.field("id", id)
        writer.field("rule", rule)
        writer.field("state", state.rawValue)
        writer.field("severity", severity.rawValue)
        writer.field("department", department)
        writer.field("key", key)
        writer.field("sensor", sensor)
        writer.field("district", district)
        writer.field("kind", kind.rawValue)
        writer.field("window_start", windowStart)
        writer.field("window_end", windowEnd)
        writer.field("value", value)
        writer.field("threshold", threshold)
        if let score { writer.field("score", score) }
        if let expected { writer.field("expected", expected) }
        if let observedAt { writer.field("observed_at", observedAt) }
        var valuesWriter = JSONObjectWriter()
        for named in values { valuesWriter.field(named.name, named.value) }
        writer.field("values", json: valuesWriter.finish())
        writer.field("message", message)
        if let sensors { writer.field("sensors", strings: sensors) }
        writer.field("ts", ts)
        if let emittedAt { writer.field("emitted_at", emittedAt) }
        if let handling {
            var handlingWriter = JSONObjectWriter()
            handlingWriter.field("by", handling.by)
            if let assignee = handling.assignee { handlingWriter.field("assignee", assignee) }
            if let note = handling.note { handlingWriter.field("note", note) }
            handlingWriter.field("at", handling.at)
            writer.field("handling", json: handlingWriter.finish())
        }
        if let shard { writer.field("shard", shard) }
        if let shardSeq { writer.field("shard_seq", shardSeq) }
        return writer.finish()
    }

    /// Parses an alert's wire JSON (the journal, catch-up replies, `tail`, the fan-in), with the
    /// engine's own JSON reader: Foundation's `JSONDecoder` took over a third of the fan-in's
    /// time. Fields it does not know are ignored; a missing or mistyped field throws.
    public init(json: some DataProtocol) throws {
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(json: Array(json))
        } catch {
            throw AlertDecodingError("not JSON: \(error.detail)")
        }
        self = try Self(tree)
    }

    /// The alert a parsed wire object describes.
    init(_ object: JSONValue) throws {
        guard case .object = object else { throw AlertDecodingError("an alert is a JSON object, not \(object.typeDescription)") }
        func text(_ key: String) throws -> String {
            guard let value = object[key]?.string else { throw AlertDecodingError("'\(key)' must be a string") }
            return value
        }
        func optionalText(_ key: String) -> String? { object[key]?.string }
        func number(_ key: String) throws -> Double {
            guard let value = object[key]?.number else { throw AlertDecodingError("'\(key)' must be a number") }
            return value
        }
        func optionalNumber(_ key: String) -> Double? { object[key]?.number }
        func whole(_ key: String) throws -> Int64 {
            let value = try number(key)
            guard value == value.rounded(), abs(value) < 9.0e15 else { throw AlertDecodingError("'\(key)' must be a whole number") }
            return Int64(value)
        }
        func optionalWhole(_ key: String) -> Int64? {
            guard let value = object[key]?.number, value == value.rounded(), abs(value) < 9.0e15 else { return nil }
            return Int64(value)
        }
        guard let state = AlertState(rawValue: try text("state")) else { throw AlertDecodingError("unknown state '\(try text("state"))'") }
        guard let severity = Severity(rawValue: try text("severity")) else { throw AlertDecodingError("unknown severity '\(try text("severity"))'") }
        guard let kind = EventKind(rawValue: try text("kind")) else { throw AlertDecodingError("'\(try text("kind"))' is not a kind name") }
        guard case .object(let members)? = object["values"] else { throw AlertDecodingError("'values' must be an object") }
        let seq = try whole("seq")
        guard seq >= 0 else { throw AlertDecodingError("'seq' must not be negative") }
        var sensors: [String]?
        if case .array(let items)? = object["sensors"] { sensors = items.compactMap(\.string) }
        self.init(
            seq: UInt64(seq), id: try text("id"), rule: try text("rule"), state: state, severity: severity,
            department: try text("department"), key: try text("key"), sensor: optionalText("sensor"), district: optionalText("district"),
            kind: kind, windowStart: try whole("window_start"), windowEnd: try whole("window_end"),
            value: optionalNumber("value"), threshold: optionalNumber("threshold"),
            values: members.map { NamedValue(name: $0.key, value: $0.value.number) }.sorted { $0.name < $1.name },
            message: try text("message"), sensors: sensors, ts: try whole("ts"), emittedAt: optionalWhole("emitted_at")
        )
        epoch = optionalWhole("epoch")
        score = optionalNumber("score")
        expected = optionalNumber("expected")
        observedAt = optionalWhole("observed_at")
        if let handling = object["handling"] {
            guard let by = handling["by"]?.string, let at = handling["at"]?.number else { throw AlertDecodingError("'handling' needs 'by' and 'at'") }
            self.handling = Handling(by: by, assignee: handling["assignee"]?.string, note: handling["note"]?.string, at: Int64(at))
        }
        shard = optionalText("shard")
        shardSeq = optionalWhole("shard_seq").map { UInt64(max(0, $0)) }
    }
}

/// Alert JSON that does not describe an alert, and why.
public struct AlertDecodingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
