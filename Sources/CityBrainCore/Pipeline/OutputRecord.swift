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

    /// The records of `runs`, each in ``precedes`` order, merged into one batch in that order:
    /// the same as sorting them all (stably, in run order), in one pass. Each partition sorts its
    /// own records, in parallel with the others; the engine's ordered merge, which runs on one
    /// thread while the partitions wait for its batch, only merges. (It sorted every record of a
    /// batch: after a close of 100 000 windows that was 8 % of an offline run's CPU, spent while
    /// no partition could take its next batch.)
    static func merge(_ runs: [[OrderedRecord]]) -> OutputBatch {
        var runs = runs
        // More than two partitions: merge pairs, in run order, until two are left.
        while runs.count > 2 {
            var merged: [OrderedRecord] = []
            merged.reserveCapacity(runs[0].count + runs[1].count)
            merge(runs[0], runs[1]) { merged.append(copy $0) }
            runs.replaceSubrange(0..<2, with: [merged])
        }
        var batch = OutputBatch()
        batch.reserveCapacity(runs.reduce(0) { $0 + $1.count })
        merge(runs.first ?? [], runs.count > 1 ? runs[1] : []) { batch.append($0.record, trigger: $0.trigger) }
        return batch
    }

    /// Hands each record of the sorted runs `first` and `second` to `take`, in ``precedes``
    /// order (on a tie, `first`'s record first). The runs are read through buffer pointers,
    /// whose subscripts lend the element: read through the arrays, each comparison copied both
    /// records, retaining their keys and payloads.
    private static func merge(_ first: [OrderedRecord], _ second: [OrderedRecord], _ take: (borrowing OrderedRecord) -> Void) {
        first.withUnsafeBufferPointer { first in
            second.withUnsafeBufferPointer { second in
                var (i, j) = (0, 0)
                while i < first.count, j < second.count {
                    if precedes(second[j], first[i]) {
                        take(second[j])
                        j += 1
                    } else {
                        take(first[i])
                        i += 1
                    }
                }
                while i < first.count { take(first[i]); i += 1 }
                while j < second.count { take(second[j]); j += 1 }
            }
        }
    }
}
