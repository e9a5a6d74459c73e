/// The open panes of one window operator: (interned key, pane start) → the pane's base in the
/// arena, in an open-addressing table with linear probing.
///
/// It replaces a `Dictionary<WindowKey, Int32>`, for two reasons measured with `perf`:
/// - every event and every firing looks panes up (a sliding window one per pane), and SipHash
///   of the 12-byte key was 9 % of all CPU on the benchmark pipeline, the lookups another 12 %;
///   a multiplicative hash of two integers costs a few instructions;
/// - its slots live in chunks of 4 096 (``chunkShift``), each copy-on-write on its own, so the
///   first change after a checkpoint captured the table copies one chunk, not every open pane
///   of the partition at once.
///
/// A pane's home slot keeps keys in order: key `k` owns a run of `2^spreadShift` slots (about
/// as many as the panes one key has open at once), and its panes take them in the order of
/// their starts. Interned keys are numbered as they are first seen, and readings arrive in
/// rounds over the sensors, so the panes one batch touches lie in a few chunks; a hash that
/// scattered them made the first batch after a checkpoint copy every chunk of every table
/// (`perf`: 10-25 % of that batch, on a million sensors). Keys of one kind are a subset of a
/// partition's ids, so the runs wrap around the table; its load stays at most one half.
///
/// Deletion shifts the following entries back (no tombstones), so lookups never slow down as
/// panes come and go. The table doubles past a load of one half.
struct PaneTable {
    private struct Slot {
        /// ``empty`` in a free slot.
        var key: Int32
        var base: Int32
        var start: Int64
    }

    private static let empty: Int32 = -1
    private static let chunkShift = 12
    private static let freeSlot = Slot(key: empty, base: 0, start: 0)

    private var chunks: [[Slot]]
    private var mask: Int
    private(set) var count = 0
    /// Pane starts are multiples of this.
    private let paneLength: Int64
    /// Each key's run of home slots is `1 << spreadShift` long.
    private let spreadShift: Int

    /// A table for panes `paneLength` long, of which a key has about `panesPerKey` open at once.
    init(paneLength: Int64 = 1, panesPerKey: Int = 1) {
        precondition(paneLength > 0)
        chunks = []
        mask = -1
        self.paneLength = paneLength
        var shift = 0
        while shift < 6, 1 << shift < panesPerKey { shift += 1 }
        spreadShift = shift
        allocate(slots: 16)
    }

    var capacity: Int { mask + 1 }
    var isEmpty: Bool { count == 0 }

    private mutating func allocate(slots: Int) {
        let perChunk = Swift.min(slots, 1 << Self.chunkShift)
        chunks = Array(repeating: Array(repeating: Self.freeSlot, count: perChunk), count: Swift.max(1, slots >> Self.chunkShift))
        mask = slots - 1
    }

    @inline(__always)
    private func home(_ key: Int32, _ start: Int64) -> Int {
        let lane = Int(truncatingIfNeeded: start / paneLength) & ((1 << spreadShift) - 1)
        return ((Int(key) << spreadShift) | lane) & mask
    }

    @inline(__always)
    private func slot(_ index: Int) -> Slot {
        chunks[index >> Self.chunkShift][index & ((1 << Self.chunkShift) - 1)]
    }

    @inline(__always)
    private mutating func set(_ index: Int, _ slot: Slot) {
        chunks[index >> Self.chunkShift][index & ((1 << Self.chunkShift) - 1)] = slot
    }

    /// The index of `(key, start)`'s slot, or of the free slot where it would go.
    @inline(__always)
    private func find(_ key: Int32, _ start: Int64) -> (index: Int, found: Bool) {
        var index = home(key, start)
        while true {
            let current = slot(index)
            if current.key == Self.empty { return (index, false) }
            if current.key == key && current.start == start { return (index, true) }
            index = (index + 1) & mask
        }
    }

    /// The pane of `key` starting at `start`: its base, or `nil`.
    subscript(key: Int32, start: Int64) -> Int32? {
        let (index, found) = find(key, start)
        return found ? slot(index).base : nil
    }

    /// Whether the pane exists.
    func contains(key: Int32, start: Int64) -> Bool { find(key, start).found }

    /// Adds the pane, or changes its base.
    mutating func insert(key: Int32, start: Int64, base: Int32) {
        precondition(key >= 0, "interned keys are not negative")
        let (index, found) = find(key, start)
        set(index, Slot(key: key, base: base, start: start))
        guard !found else { return }
        count += 1
        if count * 2 > capacity { rehash(slots: capacity * 2) }
    }

    /// Removes the pane and returns its base (`nil` if there was none).
    @discardableResult
    mutating func remove(key: Int32, start: Int64) -> Int32? {
        let (found, exists) = find(key, start)
        guard exists else { return nil }
        let base = slot(found).base
        // Backward-shift deletion: move later entries of the run into the hole when the hole
        // lies on their way from their home slot.
        var hole = found
        var index = (found + 1) & mask
        while true {
            let current = slot(index)
            if current.key == Self.empty { break }
            let wanted = home(current.key, current.start)
            // Distance from the entry's home to the hole, and to where it is now.
            if (hole &- wanted) & mask < (index &- wanted) & mask {
                set(hole, current)
                hole = index
            }
            index = (index + 1) & mask
        }
        set(hole, Self.freeSlot)
        count -= 1
        return base
    }

    private mutating func rehash(slots: Int) {
        let old = chunks
        allocate(slots: slots)
        count = 0
        for chunk in old {
            for entry in chunk where entry.key != Self.empty { insert(key: entry.key, start: entry.start, base: entry.base) }
        }
    }

    /// Shrinks the slots to fit the panes left (after many keys went quiet), if they use under
    /// an eighth of them.
    mutating func shrinkIfSparse() {
        guard capacity > 64, count * 8 < capacity else { return }
        var slots = 16
        while slots < count * 4 { slots *= 2 }
        rehash(slots: slots)
    }

    /// Every pane, in slot order.
    func forEach(_ body: (_ key: Int32, _ start: Int64, _ base: Int32) -> Void) {
        for chunk in chunks {
            for entry in chunk where entry.key != Self.empty { body(entry.key, entry.start, entry.base) }
        }
    }

    /// Every pane's base changed by `transform` (an arena compacted or remapped).
    mutating func updateBases(_ transform: (Int32) -> Int32) {
        for chunk in chunks.indices {
            for index in chunks[chunk].indices where chunks[chunk][index].key != Self.empty {
                chunks[chunk][index].base = transform(chunks[chunk][index].base)
            }
        }
    }

    /// Removes every pane of `keys` and returns their bases.
    mutating func removeAll(of keys: Set<Int32>) -> [Int32] {
        var doomed: [(Int32, Int64)] = []
        forEach { key, start, _ in if keys.contains(key) { doomed.append((key, start)) } }
        return doomed.compactMap { remove(key: $0.0, start: $0.1) }
    }

    /// Bytes of the slots.
    var byteCount: Int { capacity * MemoryLayout<Slot>.stride }

    /// How many chunks of slots this table still shares with `copy` (taken from it, or it from
    /// this one): what changes since the copy have not had to copy.
    func sharedChunks(with copy: PaneTable) -> Int {
        zip(chunks, copy.chunks).count { mine, theirs in
            mine.withUnsafeBufferPointer { a in theirs.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
        }
    }
}

extension PaneTable: CheckpointCodable {
    /// Count, then (key, start, base) per pane.
    func write(to writer: inout CheckpointWriter) {
        writer.writeCount(count)
        forEach { key, start, base in
            writer.write(key)
            writer.write(start)
            writer.write(base)
        }
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        try self.init(from: &reader, paneLength: 1, panesPerKey: 1)
    }

    /// Reads the panes into a table laid out for `paneLength` and `panesPerKey`.
    init(from reader: inout CheckpointReader, paneLength: Int64, panesPerKey: Int) throws(CheckpointError) {
        self.init(paneLength: paneLength, panesPerKey: panesPerKey)
        let count = try reader.readCount(minimumElementBytes: 16)
        for _ in 0..<count {
            let key: Int32 = try reader.read()
            let start: Int64 = try reader.read()
            let base: Int32 = try reader.read()
            guard key >= 0 else { throw reader.invalid("a pane of key \(key)") }
            insert(key: key, start: start, base: base)
        }
    }
}
