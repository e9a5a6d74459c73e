@testable import CityBrainCore
import Testing

@Suite("Ordering a batch's records")
struct OrderedRecordTests {
    /// Records with few distinct fields, so that many tie; `start` numbers them, to tell ties apart.
    static func records(_ count: Int, seed: UInt64) -> [OrderedRecord] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { number in
            let key = "seg-\(Int.random(in: 0..<4, using: &random))"
            let score = ReadingScore(rule: "r", sensor: key, district: nil, ts: Int64(number), value: 0, expected: 0, spread: 0,
                                     zScore: 0, score: 0, open: false)
            return OrderedRecord(trigger: Int64.random(in: 0..<5, using: &random), rank: Bool.random(using: &random) ? .window : .late,
                                 end: 0, aggregation: Int.random(in: 0..<2, using: &random), key: key, start: 0, record: .score(score))
        }
    }

    /// What each record is, for comparing orders: its number.
    static func numbers(_ records: [OrderedRecord]) -> [Int64] {
        records.map { if case .score(let score) = $0.record { score.ts } else { -1 } }
    }

    /// The reference: a stable sort, written out (insertion into place after equal ones).
    static func stablySorted(_ records: [OrderedRecord]) -> [OrderedRecord] {
        var sorted: [OrderedRecord] = []
        for record in records {
            let index = sorted.lastIndex { !OrderedRecord.precedes(record, $0) }.map { $0 + 1 } ?? 0
            sorted.insert(record, at: index)
        }
        return sorted
    }

    @Test("sorting moves records into order, ties kept in the order they came", arguments: [0, 1, 2, 17, 500])
    func sortIsStable(count: Int) {
        var records = Self.records(count, seed: UInt64(count) + 3)
        let expected = Self.numbers(Self.stablySorted(records))
        OrderedRecord.sort(&records)
        #expect(Self.numbers(records) == expected)
        // Already in order: unchanged.
        OrderedRecord.sort(&records)
        #expect(Self.numbers(records) == expected)
    }

    @Test("merging sorted runs equals sorting them all, earlier runs first on ties", arguments: [1, 2, 3, 4])
    func mergeEqualsSort(runCount: Int) {
        var runs = (0..<runCount).map { run in
            var records = Self.records(40 * (run + 1), seed: UInt64(run) + 11)
            OrderedRecord.sort(&records)
            return records
        }
        // Numbered across runs, so each record is told apart.
        var offset: Int64 = 0
        for run in runs.indices {
            for index in runs[run].indices {
                guard case .score(var score) = runs[run][index].record else { continue }
                score.ts += offset
                runs[run][index].record = .score(score)
            }
            offset += 1_000
        }
        let sorted = Self.stablySorted(runs.flatMap { $0 })
        let batch = OrderedRecord.merge(&runs)
        #expect(batch.records.map { if case .score(let score) = $0 { score.ts } else { -1 } } == Self.numbers(sorted))
        #expect(batch.triggers == sorted.map(\.trigger))
    }
}
