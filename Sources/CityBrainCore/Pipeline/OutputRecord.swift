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

    /// The alert's event time, if this is an alert.
    var alertTime: Int64? {
        if case .alert(let alert) = self { return alert.ts }
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
    /// Which records come first among those of one input position.
    enum Rank: UInt8, Sendable {
        case window = 0, late = 1, alert = 2, score = 3
    }

    var trigger: Int64
    var rank: Rank
    var end: Int64
    var aggregation: Int
    var key: String
    var start: Int64
    var record: OutputRecord

    static func precedes(_ a: OrderedRecord, _ b: OrderedRecord) -> Bool {
        if a.trigger != b.trigger { return a.trigger < b.trigger }
        // By raw value: the enum's own `!=` made every comparison copy both records (a merge of
        // 0.6 % of an offline run's samples took 2 %).
        if a.rank.rawValue != b.rank.rawValue { return a.rank.rawValue < b.rank.rawValue }
        if a.end != b.end { return a.end < b.end }
        if a.aggregation != b.aggregation { return a.aggregation < b.aggregation }
        if a.key != b.key { return a.key < b.key }
        return a.start < b.start
    }

    /// Sorts `records` in ``precedes`` order, ties in their present order, without copying a
    /// record: the order is found on their indices (the records read through a buffer pointer,
    /// which lends them) and then applied by moving each record once. Sorting the records
    /// themselves copied them, retaining and releasing every key and payload (3 % of an offline
    /// run's CPU), and most batches are in order already, which one pass finds.
    static func sort(_ records: inout [OrderedRecord]) {
        guard records.count > 1 else { return }
        records.withUnsafeMutableBufferPointer { buffer in
            guard (1..<buffer.count).contains(where: { precedes(buffer[$0], buffer[$0 - 1]) }) else { return }
            var order = Array(0..<buffer.count)
            order.sort { a, b in
                if precedes(buffer[a], buffer[b]) { return true }
                return a < b && !precedes(buffer[b], buffer[a])
            }
            // Slot k takes the record at order[k]: follow each cycle of the permutation, moving.
            let base = buffer.baseAddress!
            for start in order.indices where order[start] != start {
                let held = (base + start).move()
                var slot = start
                while order[slot] != start {
                    let from = order[slot]
                    (base + slot).moveInitialize(from: base + from, count: 1)
                    order[slot] = slot
                    slot = from
                }
                (base + slot).initialize(to: held)
                order[slot] = slot
            }
        }
    }

    /// The records of `runs`, each in ``precedes`` order, merged into one batch in that order:
    /// the same as sorting them all (stably, in run order), in one pass. Each partition sorts its
    /// own records, in parallel with the others; the engine's ordered merge, which runs on one
    /// thread while the partitions wait for its batch, only merges. (It sorted every record of a
    /// batch: after a close of 100 000 windows that was 8 % of an offline run's CPU, spent while
    /// no partition could take its next batch.)
    ///
    /// The records are moved, not copied, into the batch, and `runs` is left empty; what is
    /// left behind in its arrays has nothing to release (``vacant``). So neither the copy nor the
    /// later release of every alert's strings falls on the merging thread.
    static func merge(_ runs: inout [[OrderedRecord]]) -> OutputBatch {
        // More than two partitions: merge pairs, in run order, until two are left.
        while runs.count > 2 {
            var first = runs.removeFirst(), second = runs.removeFirst()
            var merged: [OrderedRecord] = []
            merged.reserveCapacity(first.count + second.count)
            merge(&first, &second) { record in
                merged.append(record.move())
                record.initialize(to: vacant)
            }
            runs.insert(merged, at: 0)
        }
        var batch = OutputBatch()
        batch.reserveCapacity(runs.reduce(0) { $0 + $1.count })
        // Taken out of `runs`, so each is its array's only holder: moving from a shared one would
        // copy it whole first.
        var first = runs.isEmpty ? [] : runs.removeFirst(), second = runs.isEmpty ? [] : runs.removeFirst()
        merge(&first, &second) { record in
            let payload = record.pointer(to: \.record)!
            batch.append(payload.move(), trigger: record.pointee.trigger)
            payload.initialize(to: vacant.record)
        }
        return batch
    }

    /// What is left where a record was moved out: no string or array to release.
    private static let vacant = OrderedRecord(
        trigger: 0, rank: .window, end: 0, aggregation: 0, key: "", start: 0,
        record: .score(ReadingScore(rule: "", sensor: "", district: nil, ts: 0, value: 0, expected: 0, spread: 0, zScore: 0, score: 0, open: false))
    )

    /// Hands each record of the sorted runs `first` and `second` to `take`, in ``precedes``
    /// order (on a tie, `first`'s record first), as a pointer `take` must leave initialised.
    /// Comparisons read through buffer pointers, whose subscripts lend the element: read
    /// through the arrays, each comparison copied both records, retaining their keys and payloads.
    private static func merge(_ first: inout [OrderedRecord], _ second: inout [OrderedRecord],
                              _ take: (UnsafeMutablePointer<OrderedRecord>) -> Void) {
        first.withUnsafeMutableBufferPointer { first in
            second.withUnsafeMutableBufferPointer { second in
                var (i, j) = (0, 0)
                while i < first.count || j < second.count {
                    if j == second.count || (i < first.count && !precedes(second[j], first[i])) {
                        take(first.baseAddress! + i)
                        i += 1
                    } else {
                        take(second.baseAddress! + j)
                        j += 1
                    }
                }
            }
        }
    }
}
