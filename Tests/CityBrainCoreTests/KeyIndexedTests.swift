@testable import CityBrainCore
import Testing

@Suite("Per-key state indexed by key id")
struct KeyIndexedTests {
    @Test("random sets, in-place updates and removals agree with a Dictionary; iteration is in key order")
    func agreesWithDictionary() {
        var random = SplitMix64(seed: 7)
        var table = KeyIndexed<Int>()
        var reference: [Int32: Int] = [:]
        for step in 0..<20_000 {
            let key = Int32(random.next() % 700)
            switch random.next() % 4 {
            case 0:
                table[key] = step
                reference[key] = step
            case 1:
                table[key, default: 0] += 1
                reference[key, default: 0] += 1
            case 2:
                table[key] = nil
                reference[key] = nil
            default:
                #expect(table.removeValue(forKey: key) == reference.removeValue(forKey: key))
            }
            #expect(table[key] == reference[key])
        }
        #expect(table.count == reference.count)
        #expect(table.map(\.key) == reference.keys.sorted())
        #expect(table.allSatisfy { reference[$0.key] == $0.value })
    }

    @Test("a copy is independent of the original (copy on write)")
    func copyOnWrite() {
        var original = KeyIndexed<[Int]>()
        original[1] = [1]
        var copy = original
        copy[1, default: []].append(10)
        copy[5] = [5]
        #expect(original[1] == [1] && original[5] == nil && original.count == 1)
        #expect(copy[1] == [1, 10] && copy[5] == [5] && copy.count == 2)

        // Across chunks: a table captured with keys in several chunks keeps every value while
        // the original changes keys in some of them and grows into new ones.
        var live = KeyIndexed<Int>()
        for key in stride(from: 0, to: 5_000, by: 7) { live[Int32(key)] = key }
        let captured = live
        live[7] = -7
        live[4_999, default: 0] += 1
        live[9_000] = 9
        live.removeValue(forKey: 2_100)
        #expect(captured[7] == 7 && captured[4_999] == nil && captured[9_000] == nil && captured[2_100] == 2_100)
        #expect(live[7] == -7 && live[4_999] == 1 && live[9_000] == 9 && live[2_100] == nil)
        #expect(captured.count == 715 && live.count == 716)
    }

    @Test("update changes a value in place; a copy taken before keeps the old one")
    func updateInPlace() {
        var live = KeyIndexed<[Int]>()
        #expect(!live.contains(3))
        live[3] = [1]
        #expect(live.contains(3) && !live.contains(4) && !live.contains(9_999))
        let captured = live
        let count = live.update(3) { values -> Int in
            values.append(2)
            return values.count
        }
        #expect(count == 2 && live[3] == [1, 2] && captured[3] == [1])
        #expect(live.count == 1)
    }

    @Test("it is written as a Dictionary is, and reads a Dictionary's bytes")
    func checkpointFormat() throws {
        var table = KeyIndexed<Int64>()
        for key in 0..<50 { table[Int32(key * 3)] = Int64(key) }
        var writer = CheckpointWriter()
        writer.write(table)
        var reader = CheckpointReader(writer.bytes)
        let dictionary: [Int32: Int64] = try reader.read()
        #expect(dictionary == Dictionary(uniqueKeysWithValues: table.map { ($0.key, $0.value) }))
        var back = CheckpointWriter()
        back.write(dictionary)
        var again = CheckpointReader(back.bytes)
        let read: KeyIndexed<Int64> = try again.read()
        #expect(read.map(\.key) == table.map(\.key) && read.map(\.value) == table.map(\.value))
    }
}
