@testable import CityBrainCore
import Testing

@Suite("Pane table")
struct PaneTableTests {
    @Test("random inserts, updates and removals agree with a Dictionary, through growth, clustered keys and a growing key range",
          arguments: [900, 20_000])
    func agreesWithDictionary(keys: Int) {
        var random = SplitMix64(seed: 11)
        var table = PaneTable()
        var reference: [WindowKey: Int32] = [:]
        for step in 0..<60_000 {
            // Few keys and few starts, so runs of colliding slots form and removals shift them.
            let window = WindowKey(key: Int32(random.next() % UInt64(keys)), start: Int64(random.next() % 12) * 60_000)
            switch random.next() % 3 {
            case 0:
                table.insert(key: window.key, start: window.start, base: Int32(step))
                reference[window] = Int32(step)
            case 1:
                #expect(table.remove(key: window.key, start: window.start) == reference.removeValue(forKey: window))
            default:
                #expect(table[window.key, window.start] == reference[window])
            }
        }
        #expect(table.count == reference.count && table.count > 1_000 && (keys < 1_000 || table.capacity >= 8 * 4_096))  // many chunks with many keys
        var seen: [WindowKey: Int32] = [:]
        table.forEach { key, start, base in seen[WindowKey(key: key, start: start)] = base }
        #expect(seen == reference)
        // Every entry is still found after all the shifting.
        #expect(reference.allSatisfy { table[$0.key.key, $0.key.start] == $0.value })
    }

    @Test("removing all panes of some keys, and rebasing, keep the others")
    func removeAllAndRebase() {
        var table = PaneTable()
        for key in 0..<100 { for pane in 0..<3 { table.insert(key: Int32(key), start: Int64(pane), base: Int32(key * 3 + pane)) } }
        let removed = table.removeAll(of: Set((0..<100).filter { $0 % 2 == 0 }.map(Int32.init)))
        #expect(removed.sorted() == (0..<100).filter { $0 % 2 == 0 }.flatMap { key in (0..<3).map { Int32(key * 3 + $0) } }.sorted())
        table.updateBases { $0 * 10 }
        #expect(table.count == 150)
        #expect(table[1, 2] == 50 && table[2, 0] == nil && table[99, 0] == 2_970)
        // Once most panes are gone, the slots shrink to fit, and every pane is still found.
        let grown = table.capacity
        _ = table.removeAll(of: Set((0..<95).map(Int32.init)))
        table.shrinkIfSparse()
        #expect(table.count == 9 && table.capacity < grown / 8)
        #expect(table[97, 1] == 2_920 && table[99, 2] == 2_990)
    }

    @Test("a copy keeps its panes while the original changes (copy on write, per chunk)")
    func copyOnWrite() {
        var live = PaneTable()
        for key in 0..<5_000 { live.insert(key: Int32(key), start: 0, base: Int32(key)) }
        let captured = live  // what a checkpoint holds
        live.remove(key: 7, start: 0)
        live.insert(key: 8, start: 0, base: -8)
        live.insert(key: 9_000, start: 60_000, base: 9)
        #expect(captured.count == 5_000 && captured[7, 0] == 7 && captured[8, 0] == 8 && captured[9_000, 60_000] == nil)
        #expect(live.count == 5_000 && live[7, 0] == nil && live[8, 0] == -8 && live[9_000, 60_000] == 9)
    }

    @Test("the panes of consecutive keys share chunks, so a batch of them after a checkpoint copies few")
    func consecutiveKeysStayTogether() {
        var live = PaneTable()
        for key in 0..<200_000 { live.insert(key: Int32(key), start: 600_000, base: Int32(key)) }
        let captured = live  // what a checkpoint holds
        // The next round of readings, as a batch of 2 048 consecutive keys brings it: a pane each.
        for key in 50_000..<52_048 { live.insert(key: Int32(key), start: 660_000, base: Int32(key)) }
        let chunks = live.capacity >> 12
        #expect(chunks > 100)
        #expect(live.sharedChunks(with: captured) >= chunks - 2)
        #expect(captured.count == 200_000 && live.count == 202_048 && live[51_000, 660_000] == 51_000 && captured[51_000, 660_000] == nil)
    }

    @Test("it reads back what it wrote; a negative key is refused")
    func checkpoint() throws {
        var table = PaneTable()
        for key in 0..<300 { table.insert(key: Int32(key), start: Int64(key % 7) * 1_000, base: Int32(key * 2)) }
        var writer = CheckpointWriter()
        writer.write(table)
        var reader = CheckpointReader(writer.bytes)
        let read: PaneTable = try reader.read()
        #expect(read.count == 300 && (0..<300).allSatisfy { read[Int32($0), Int64($0 % 7) * 1_000] == Int32($0 * 2) })

        var bad = CheckpointWriter()
        bad.writeCount(1)
        bad.write(Int32(-3))
        bad.write(Int64(0))
        bad.write(Int32(0))
        var badReader = CheckpointReader(bad.bytes)
        #expect(throws: CheckpointError.self) { _ = try badReader.read(PaneTable.self) }
    }
}

@Suite("Newest pane per key")
struct NewestPanesTests {
    @Test("finds a key's newest noted pane only at its start, forgets it when asked, and lets its memory go when most keys are quiet")
    func cache() {
        var newest = NewestPanes()
        #expect(newest.base(of: 3, start: 60_000) == nil)
        newest.note(key: 3, start: 60_000, base: 7)
        newest.note(key: 3, start: 0, base: 5)  // an older pane (a late event's) does not displace it
        #expect(newest.base(of: 3, start: 60_000) == 7 && newest.base(of: 3, start: 0) == nil)
        #expect(newest.base(of: 3, start: 120_000) == nil && newest.base(of: 2, start: 60_000) == nil)
        newest.forget(key: 3, start: 120_000)  // not the noted pane: kept
        #expect(newest.base(of: 3, start: 60_000) == 7)
        newest.forget(key: 3, start: 60_000)
        #expect(newest.base(of: 3, start: 60_000) == nil)
        for key in 0..<1_000 { newest.note(key: Int32(key), start: 0, base: Int32(key)) }
        newest.forget(key: 10)
        #expect(newest.base(of: 10, start: 0) == nil && newest.base(of: 11, start: 0) == 11)
        newest.releaseIfSparse(openPanes: 500)  // half the keys still open: kept
        #expect(newest.base(of: 11, start: 0) == 11)
        newest.releaseIfSparse(openPanes: 100)
        #expect(newest.byteCount == 0 && newest.base(of: 11, start: 0) == nil)
    }
}
