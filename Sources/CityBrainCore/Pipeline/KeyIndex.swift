import CPrefetch

/// The lookup half of ``KeyTable``: an open-addressing hash index from a key's ``StableHash``
/// to its slot, with linear probing and backward-shift deletion.
///
/// The router hashes every event's sensor id to pick its partition; the partition looks the id
/// up by that same hash, so a `String` is hashed once per event, not twice (the second, a
/// `Dictionary`'s SipHash over the id's bytes, was 5 % of an offline run). Two names with
/// equal hashes are told apart by the caller's comparison of names, so collisions cost probes,
/// never wrong answers. The stable hash has no seed (it must pick the same partition in every
/// process), so ids could be chosen to crowd one probe run; mixed with a random seed of the
/// index's own, only ids whose 64-bit hashes are equal still share a place.
struct KeyIndex {
    /// Eight bytes, so that more of the index stays in cache: a lookup's first load is the
    /// miss that costs (`perf annotate`: three quarters of `KeyTable.intern` with 100 k sensors).
    private struct Slot {
        /// The top half of the key's hash after mixing with the seed: where it belongs
        /// (``KeyIndex/home(_:)``) and a first comparison before the names.
        var fingerprint: UInt32
        /// The key's slot in the table, or ``KeyIndex/empty``.
        var index: Int32
    }

    private static let empty: Int32 = -1
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    /// Mixed into every hash; fixed for the index's life, so rehashing keeps every key's place.
    private let seed = UInt64.random(in: .min ... .max)

    /// An index with room for `capacity` keys before it grows.
    init(capacity: Int = 8) {
        let size = Swift.max(16, (Swift.max(capacity, 1) * 2 - 1).nextPowerOfTwo)
        slots = Array(repeating: Slot(fingerprint: 0, index: Self.empty), count: size)
        mask = size - 1
    }

    /// Slots allocated.
    var capacity: Int { slots.count }

    /// The slot of the key whose hash is `hash` and for which `matches` holds, if there is one.
    @inline(__always)
    func find(_ hash: UInt64, where matches: (Int32) -> Bool) -> Int32? {
        let wanted = fingerprint(hash)
        var position = home(wanted)
        while true {
            let slot = slots[position]
            if slot.index == Self.empty { return nil }
            if slot.fingerprint == wanted, matches(slot.index) { return slot.index }
            position = (position + 1) & mask
        }
    }

    /// Asks the CPU to fetch the slot where a lookup of `hash` starts, so that a ``find(_:where:)``
    /// a few events later does not wait for memory: with 100 k sensors the index is larger than
    /// the cache, and that first load was three quarters of a lookup's time.
    @inline(__always)
    func prefetch(_ hash: UInt64) {
        slots.withUnsafeBufferPointer { citybrain_prefetch($0.baseAddress.unsafelyUnwrapped + home(fingerprint(hash))) }
    }

    /// Adds a key that is not in the index.
    mutating func insert(_ hash: UInt64, index: Int32) {
        insert(Slot(fingerprint: fingerprint(hash), index: index))
    }

    private mutating func insert(_ slot: Slot) {
        if (count + 1) * 4 > slots.count * 3 { rehash(size: slots.count * 2) }
        var position = home(slot.fingerprint)
        while slots[position].index != Self.empty { position = (position + 1) & mask }
        slots[position] = slot
        count += 1
    }

    /// Removes the key at slot `index` (hashed `hash`), if present; later keys of its probe run
    /// move back so that no lookup stops short at the hole.
    mutating func remove(_ hash: UInt64, index: Int32) {
        var position = home(fingerprint(hash))
        while slots[position].index != index {
            guard slots[position].index != Self.empty else { return }
            position = (position + 1) & mask
        }
        var hole = position
        var next = (hole + 1) & mask
        while slots[next].index != Self.empty {
            let wanted = home(slots[next].fingerprint)
            // The entry at `next` may fill the hole if its home is not cyclically in (hole, next].
            if (next - wanted) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = Slot(fingerprint: 0, index: Self.empty)
        count -= 1
    }

    /// The slots of every key, in the index's order (neither insertion nor slot order).
    var liveSlots: [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(count)
        for slot in slots where slot.index != Self.empty { result.append(slot.index) }
        return result
    }

    /// Shrinks to fit after many removals.
    mutating func compactIfSparse() {
        guard slots.count > 64, count * 8 < slots.count else { return }
        rehash(size: Swift.max(16, (count * 2).nextPowerOfTwo))
    }

    /// Bytes held.
    var byteCount: Int { slots.capacity * MemoryLayout<Slot>.stride }

    /// The hash with the seed, mixed (SplitMix64's finaliser: every bit moves every other, so
    /// neither a weak hash nor chosen ids decide the place): the top half.
    @inline(__always)
    private func fingerprint(_ hash: UInt64) -> UInt32 {
        var mixed = hash ^ seed
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: (mixed ^ (mixed >> 31)) >> 32)
    }

    /// The first slot to probe.
    @inline(__always)
    private func home(_ fingerprint: UInt32) -> Int {
        Int(fingerprint) & mask
    }

    private mutating func rehash(size: Int) {
        let old = slots
        slots = Array(repeating: Slot(fingerprint: 0, index: Self.empty), count: size)
        mask = size - 1
        count = 0
        for slot in old where slot.index != Self.empty { insert(slot) }
    }
}

private extension Int {
    /// The least power of two at least `self` (1 for 0 and below).
    var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
