/// One item on the engine's output stream, in a deterministic order.
public enum OutputRecord: Sendable, Hashable {
    case alert(Alert)
    case window(WindowResult)
    case late(LateEvent)
    /// A reading's anomaly score (only when the engine was asked for them: `--emit scores`).
    case score(ReadingScore)

    /// The alert, if this is one.
    public var alert: Alert? {
        if case .alert(let alert) = self { return alert }
        return nil
    }
}

extension OutputRecord {
    /// The record's JSON line (without the newline).
    public var json: String {
        switch self {
        case .alert(let alert): alert.json
        case .window(let result): result.json
        case .late(let late): late.json
        case .score(let score): score.json
        }
    }
}

/// A record with the fields that order it: input position of its cause, then window results
/// before late events before alerts before reading scores, then window end, pipeline order, key
/// and start.
struct OrderedRecord: Sendable {
    var trigger: Int64
    var rank: UInt8
    var end: Int64
    var aggregation: Int
    var key: String
    var start: Int64
    var record: OutputRecord

    static func precedes(_ a: OrderedRecord, _ b: OrderedRecord) -> Bool {
        if a.trigger != b.trigger { return a.trigger < b.trigger }
        if a.rank != b.rank { return a.rank < b.rank }
        if a.end != b.end { return a.end < b.end }
        if a.aggregation != b.aggregation { return a.aggregation < b.aggregation }
        if a.key != b.key { return a.key < b.key }
        return a.start < b.start
    }
}
