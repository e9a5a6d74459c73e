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

    /// Parses an alert's wire JSON (consumers such as `citybrain tail`; not a hot path).
    public init(json: some DataProtocol) throws {
        let wire = try JSONDecoder().decode(WireAlert.self, from: Data(json))
        self = wire.alert
    }
}

/// Decodes the wire form. `values` travels as a JSON object, which carries no order, so the
/// decoded values are sorted by name.
private struct WireAlert: Decodable {
    var alert: Alert

    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Alert.CodingKeys.self)
        let valuesContainer = try container.nestedContainer(keyedBy: DynamicKey.self, forKey: .values)
        let values = try valuesContainer.allKeys.map { key in
            Alert.NamedValue(name: key.stringValue, value: try valuesContainer.decodeIfPresent(Double.self, forKey: key))
        }
        alert = Alert(
            seq: try container.decode(UInt64.self, forKey: .seq),
            id: try container.decode(String.self, forKey: .id),
            rule: try container.decode(String.self, forKey: .rule),
            state: try container.decode(AlertState.self, forKey: .state),
            severity: try container.decode(Severity.self, forKey: .severity),
            department: try container.decode(String.self, forKey: .department),
            key: try container.decode(String.self, forKey: .key),
            sensor: try container.decodeIfPresent(String.self, forKey: .sensor),
            district: try container.decodeIfPresent(String.self, forKey: .district),
            kind: try container.decode(EventKind.self, forKey: .kind),
            windowStart: try container.decode(Int64.self, forKey: .windowStart),
            windowEnd: try container.decode(Int64.self, forKey: .windowEnd),
            value: try container.decodeIfPresent(Double.self, forKey: .value),
            threshold: try container.decodeIfPresent(Double.self, forKey: .threshold),
            values: values.sorted { $0.name < $1.name },
            message: try container.decode(String.self, forKey: .message),
            sensors: try container.decodeIfPresent([String].self, forKey: .sensors),
            ts: try container.decode(Int64.self, forKey: .ts),
            emittedAt: try container.decodeIfPresent(Int64.self, forKey: .emittedAt)
        )
        alert.epoch = try container.decodeIfPresent(Int64.self, forKey: .epoch)
        alert.score = try container.decodeIfPresent(Double.self, forKey: .score)
        alert.expected = try container.decodeIfPresent(Double.self, forKey: .expected)
        alert.observedAt = try container.decodeIfPresent(Int64.self, forKey: .observedAt)
        alert.handling = try container.decodeIfPresent(Alert.Handling.self, forKey: .handling)
        alert.shard = try container.decodeIfPresent(String.self, forKey: .shard)
        alert.shardSeq = try container.decodeIfPresent(UInt64.self, forKey: .shardSeq)
    }
}
