@testable import CityBrainCore
import Testing

@Suite("Key table and its hash index")
struct KeyTableTests {
    @Test("random inserts, lookups and removals agree with a Dictionary, through growth, colliding hashes and shrinking")
    func indexAgreesWithDictionary() {
        var random = SplitMix64(seed: 5)
        var index = KeyIndex()
        var reference: [Int32: UInt64] = [:]  // slot -> hash
        // Hashes from a range of 97 values for up to 3 000 slots: long runs of equal hashes and
        // of colliding homes, so lookups must compare slots and removals must shift runs back.
        for _ in 0..<80_000 {
            let slot = Int32(random.next() % 3_000)
            let hash = UInt64(slot) % 97
            switch random.next() % 3 {
            case 0 where reference[slot] == nil:
                index.insert(hash, index: slot)
                reference[slot] = hash
            case 1:
                index.remove(hash, index: slot)
                reference[slot] = nil
            default:
                #expect(index.find(hash) { $0 == slot } == (reference[slot] != nil ? slot : nil))
            }
        }
        #expect(index.count == reference.count && index.count > 500)
        #expect(Set(index.liveSlots) == Set(reference.keys))
        #expect(reference.allSatisfy { slot, hash in index.find(hash) { $0 == slot } == slot })
        // Emptied to a few keys, it shrinks and still finds them.
        for slot in reference.keys.sorted().dropLast(5) { index.remove(reference[slot]!, index: slot); reference[slot] = nil }
        let grown = index.capacity
        index.compactIfSparse()
        #expect(index.capacity < grown && index.count == 5)
        #expect(reference.allSatisfy { slot, hash in index.find(hash) { $0 == slot } == slot })
    }

    @Test("each index places keys by its own seed: hashes chosen to share a place in one do not in another")
    func seeded() {
        // Hashes that differ only in their top bits: unseeded multiplicative hashing puts them
        // all in one probe run of a small table.
        let hashes = (0..<1_000).map { UInt64($0) << 50 }
        var first = KeyIndex(), second = KeyIndex()
        for (slot, hash) in hashes.enumerated() {
            first.insert(hash, index: Int32(slot))
            second.insert(hash, index: Int32(slot))
        }
        #expect(first.liveSlots != second.liveSlots)  // the same keys, placed apart
        #expect(hashes.enumerated().allSatisfy { slot, hash in first.find(hash) { $0 == Int32(slot) } == Int32(slot) })
    }

    @Test("interning finds a key again by its name and its router's hash, tracks its district and time, and reuses freed slots")
    func interning() {
        var table = KeyTable()
        let a = table.intern("seg-a", hash: StableHash.fnv1a("seg-a"), district: "d1", time: 10)
        let b = table.intern("seg-b", district: nil, time: 11)
        #expect(a != b)
        #expect(table.intern("seg-a", district: "d2", time: 5) == a)
        #expect(table.districts[Int(a)] == "d2" && table.lastSeen[Int(a)] == 10)  // the district follows the feed; time only moves on
        #expect(table.count == 2 && table.silent(since: 10) == [a])
        table.remove(a)
        #expect(table.count == 1 && table.names[Int(a)] == "")
        let c = table.intern("seg-c", district: nil, time: 12)
        #expect(c == a)  // the freed slot
        #expect(table.intern("seg-c", district: nil, time: 13) == c && table.intern("seg-b", district: nil, time: 13) == b)
        #expect(table.intern("seg-a", district: nil, time: 14) == 2)  // new again
    }
}
