/// The free slots of a storage that keeps each group's slots together, in blocks of
/// ``blockSize`` consecutive slots, each block serving one group.
///
/// Spread closes (``CloseSpread``) visit one slice of the keys at a time. Storage filled in
/// arrival order holds a slice's entries one in 128 across all of it, so each visit reads a cache
/// line (and often a page) of its own; with the slices as groups, a slice's entries share their
/// lines. The window operators' arenas use it that way.
///
/// The owner stores the slots; this only says which are free and which group each block serves.
/// A slot is a number (a window's index), its block `slot / blockSize`.
struct GroupedSlots {
    let blockSize: Int
    /// The group each block serves; ``unclaimed`` for a block no group took yet.
    private(set) var blockGroups: [UInt8] = []
    private var free: [[Int32]]
    /// Blocks whose every slot is free and which serve no group yet.
    private var unclaimedBlocks: [Int32] = []
    static let unclaimed = UInt8.max

    init(blockSize: Int, groups: Int = CloseSpread.slices) {
        precondition(blockSize > 0 && groups < Int(Self.unclaimed), "a block holds a slot, and groups are fewer than 255")
        self.blockSize = blockSize
        self.free = Array(repeating: [], count: groups)
    }

    /// Slots the blocks span.
    var slotCount: Int { blockGroups.count * blockSize }

    /// A free slot of `group`, lowest first within a block; `nil` when the owner must add a
    /// block (``addBlock(for:)``).
    mutating func take(for group: UInt8) -> Int32? {
        if let slot = free[Int(group)].popLast() { return slot }
        guard let block = unclaimedBlocks.popLast() else { return nil }
        claim(Int(block), for: group)
        return free[Int(group)].popLast()
    }

    /// Records a block after the last, for `group` (the owner has added its storage), and takes
    /// its first slot.
    mutating func addBlock(for group: UInt8) -> Int32 {
        blockGroups.append(Self.unclaimed)
        claim(blockGroups.count - 1, for: group)
        return free[Int(group)].popLast()!
    }

    private mutating func claim(_ block: Int, for group: UInt8) {
        blockGroups[block] = group
        // Highest first, so that slots are taken in ascending order.
        let first = block * blockSize
        free[Int(group)] += stride(from: first + blockSize - 1, through: first, by: -1).lazy.map { Int32($0) }
    }

    /// Gives a slot back to its block's group.
    mutating func give(_ slot: Int32) {
        free[Int(blockGroups[Int(slot) / blockSize])].append(slot)
    }

    /// Every free slot (of unclaimed blocks too).
    var allFree: [Int32] {
        Array(free.joined()) + unclaimedBlocks.flatMap { block in (Int(block) * blockSize..<(Int(block) + 1) * blockSize).map { Int32($0) } }
    }

    /// The free slots of a storage of `slotCount` slots (a whole number of blocks) whose free
    /// ones are `freeSlots` and whose live ones have the groups `live`: each block serves the
    /// group of the first live slot met in it; a block without one is unclaimed.
    init(blockSize: Int, slotCount: Int, free freeSlots: some Sequence<Int32>, live: some Sequence<(slot: Int32, group: UInt8)>) {
        self.init(blockSize: blockSize)
        precondition(slotCount % blockSize == 0, "whole blocks only")
        blockGroups = Array(repeating: Self.unclaimed, count: slotCount / blockSize)
        for (slot, group) in live where blockGroups[Int(slot) / blockSize] == Self.unclaimed && Int(group) < free.count {
            blockGroups[Int(slot) / blockSize] = group
        }
        unclaimedBlocks = blockGroups.indices.reversed().filter { blockGroups[$0] == Self.unclaimed }.map { Int32($0) }
        for slot in freeSlots.sorted(by: >) {
            let group = blockGroups[Int(slot) / blockSize]
            if group != Self.unclaimed { free[Int(group)].append(slot) }
        }
    }

    var byteCount: Int { blockGroups.capacity + unclaimedBlocks.capacity * 4 + free.reduce(0) { $0 + $1.capacity * 4 } }
}
