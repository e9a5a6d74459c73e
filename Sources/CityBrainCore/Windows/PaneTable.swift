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
/// A pane's home chunk keeps keys in order, its slot within the chunk is hashed: each key gets an
/// ordinal when its first pane comes to the table, ordinals are scaled onto the chunks, and a
/// multiplicative hash of (key, start) picks the slot. Readings arrive in rounds over the
/// sensors, so the panes one batch touches lie in a few chunks; a hash over the whole table made
/// the first batch after a checkpoint copy every chunk of every table (`perf`: 10-25 % of that
/// batch, on a million sensors). Two layouts were tried and measured before this one:
/// - homes in key order slot by slot packed runs of occupied slots, which a lookup of a missing
///   pane scanned (tumbling windows 2.4 times slower in `RuleEvaluation`);
/// - key ids (not ordinals) scaled onto the chunks piled a kind's panes into a few chunks, since
///   a partition numbers its keys of all kinds together, often kind by kind (the benchmark
///   pipeline 13 times slower at 100 000 sensors).
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
    /// Each key's place in the order keys first came to the table, by key id (`-1`: none yet).
    private var ordinals: [Int32] = []
    private var ordinalCount = 0
    /// Ordinals are scaled onto the chunks as if they ran up to this.
    private var ordinalLimit = 16
    /// `chunk count << 32 / ordinalLimit`: a key's home chunk is `ordinal * chunkScale >> 32`.
    private var chunkScale: UInt64 = 0

    init() {
        chunks = []
        mask = -1
        allocate(slots: 16)
    }

    var capacity: Int { mask + 1 }
    var isEmpty: Bool { count == 0 }

    private mutating func allocate(slots: Int) {
        let perChunk = Swift.min(slots, 1 << Self.chunkShift)
        chunks = Array(repeating: Array(repeating: Self.freeSlot, count: perChunk), count: Swift.max(1, slots >> Self.chunkShift))
        mask = slots - 1
        chunkScale = (UInt64(Swift.max(1, slots >> Self.chunkShift)) << 32) / UInt64(ordinalLimit)
    }

    /// The ordinal of `key`, if it has had a pane here.
    @inline(__always)
    private func ordinal(of key: Int32) -> Int? {
        guard Int(key) < ordinals.count else { return nil }
        let ordinal = ordinals[Int(key)]
        return ordinal < 0 ? nil : Int(ordinal)
    }

    @inline(__always)
    private func home(_ key: Int32, ordinal: Int, _ start: Int64) -> Int {
        var hash = UInt64(UInt32(bitPattern: key)) &* 0x9E37_79B9_7F4A_7C15
        hash ^= UInt64(bitPattern: start) &* 0xC2B2_AE3D_27D4_EB4F
        hash ^= hash >> 29
        let withinChunk = Int(truncatingIfNeeded: hash) & ((1 << Self.chunkShift) - 1) & mask
        let chunk = Int(truncatingIfNeeded: (UInt64(ordinal) &* chunkScale) >> 32)
        return (chunk << Self.chunkShift | withinChunk) & mask
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
    private func find(_ key: Int32, ordinal: Int, _ start: Int64) -> (index: Int, found: Bool) {
        var index = home(key, ordinal: ordinal, start)
        while true {
            let current = slot(index)
            if current.key == Self.empty { return (index, false) }
            if current.key == key && current.start == start { return (index, true) }
            index = (index + 1) & mask
        }
    }

    /// The pane of `key` starting at `start`: its base, or `nil`.
    subscript(key: Int32, start: Int64) -> Int32? {
        guard let ordinal = ordinal(of: key) else { return nil }
        let (index, found) = find(key, ordinal: ordinal, start)
        return found ? slot(index).base : nil
    }

    /// Whether the pane exists.
    func contains(key: Int32, start: Int64) -> Bool { self[key, start] != nil }

    /// Adds the pane, or changes its base.
    mutating func insert(key: Int32, start: Int64, base: Int32) {
        precondition(key >= 0, "interned keys are not negative")
        let ordinal = ordinal(of: key) ?? newOrdinal(for: key)
        let (index, found) = find(key, ordinal: ordinal, start)
        set(index, Slot(key: key, base: base, start: start))
        guard !found else { return }
        count += 1
        if count * 2 > capacity { rehash(slots: capacity * 2) }
    }

    /// Gives `key` the next ordinal; past ``ordinalLimit`` homes scale over a wider range from
    /// then on (a quarter more, so keys that come one by one rehash a few dozen times in all).
    private mutating func newOrdinal(for key: Int32) -> Int {
        if Int(key) >= ordinals.count { ordinals.append(contentsOf: repeatElement(-1, count: Int(key) - ordinals.count + 1)) }
        let ordinal = ordinalCount
        ordinals[Int(key)] = Int32(ordinal)
        ordinalCount += 1
        if ordinalCount > ordinalLimit {
            ordinalLimit += ordinalLimit / 4
            rehash(slots: capacity)
        }
        return ordinal
    }

    /// Removes the pane and returns its base (`nil` if there was none).
    @discardableResult
    mutating func remove(key: Int32, start: Int64) -> Int32? {
        guard let ordinal = ordinal(of: key) else { return nil }
        let (found, exists) = find(key, ordinal: ordinal, start)
        guard exists else { return nil }
        let base = slot(found).base
        // Backward-shift deletion: move later entries of the run into the hole when the hole
        // lies on their way from their home slot.
        var hole = found
        var index = (found + 1) & mask
        while true {
            let current = slot(index)
            if current.key == Self.empty { break }
            let wanted = home(current.key, ordinal: Int(ordinals[Int(current.key)]), current.start)
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
        // Ordinals again, for the keys that still have panes only (in their old order).
        ordinals = []
        ordinalCount = 0
        ordinalLimit = Swift.max(16, count)
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
    var byteCount: Int { capacity * MemoryLayout<Slot>.stride + ordinals.capacity * 4 }

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
        self.init()
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
