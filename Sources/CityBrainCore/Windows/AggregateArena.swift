/// Flat storage for the aggregate states of one aggregation's open windows or panes: each owns
/// `width` consecutive states, found by its base index. Released slots are cleared and reused at
/// once (their optional parts too), so memory follows what is open, not the history.
///
/// The states are kept in chunks of ``slotsPerChunk`` windows (``ChunkedArray``): after a
/// checkpoint captured the arena, a change copies its chunk, not every open window's states.
///
/// A **grouped** arena (for windows whose closes are spread, ``CloseSpread``) keeps each group's
/// windows together: each chunk serves one group, and a window of a group is allocated in one of
/// its chunks. A close then reads one slice's windows from a few chunks, where windows allocated
/// in arrival order put a slice's keys one in 128 across the whole arena (`perf`, bench pipeline
/// with a spread: merging sliding windows' panes, whose loads missed the cache, fell from 6 % of
/// the CPU to under 1.2 %).
struct AggregateArena {
    /// Windows per chunk of states: small enough that the first batches after a checkpoint copy
    /// little (a chunk of 32 windows of two inputs is 2.5 KiB), large enough that the chunk
    /// references cost little (8 bytes per chunk, under 1 %).
    static let slotsPerChunk = 32

    let layouts: [InputLayout]
    private var states: ChunkedArray<AggregateState>
    /// Free windows' bases (a plain arena).
    private var free: [Int32] = []
    private(set) var liveCount = 0
    /// A grouped arena's free windows, by window index (`base / width`), in blocks of a chunk.
    private var groups: GroupedSlots?

    init(layouts: [InputLayout], grouped: Bool = false) {
        self.layouts = layouts
        self.states = ChunkedArray(chunkLength: max(layouts.count, 1) * Self.slotsPerChunk)
        if grouped { groups = GroupedSlots(blockSize: Self.slotsPerChunk) }
    }

    var width: Int { layouts.count }
    /// Whether windows are kept together by group (see above).
    var grouped: Bool { groups != nil }
    private var windowStride: Int { max(width, 1) }

    /// A window's states, cleared; in a grouped arena, in a chunk of `group`.
    mutating func allocate(group: UInt8 = 0) -> Int32 {
        liveCount += 1
        if groups != nil {
            let window: Int32
            if let free = groups!.take(for: group) {
                window = free
            } else {
                // Every window's states made now, optional parts included: a chunk's parts then
                // lie together on the heap as its states do. Made window by window as keys
                // arrived, the parts of one slice lay among all the others', and reading them
                // (a `last`, a trend) missed the cache at every window of a slice's close.
                for _ in 0..<Self.slotsPerChunk {
                    for offset in layouts.indices { states.append(AggregateState(layouts[offset])) }
                }
                window = groups!.addBlock(for: group)
            }
            let base = window * Int32(windowStride)
            for offset in layouts.indices { states[Int(base) + offset].reset(for: layouts[offset]) }
            return base
        }
        if let base = free.popLast() {
            for offset in layouts.indices { states[Int(base) + offset].reset(for: layouts[offset]) }
            return base
        }
        let base = Int32(states.count)
        // One by one: a mapped array of the new states was an allocation per new window.
        for offset in layouts.indices { states.append(AggregateState(layouts[offset])) }
        return base
    }

    mutating func release(_ base: Int32) {
        liveCount -= 1
        let start = Int(base)
        // Cleared, keeping the optional parts for the window that takes the slot next.
        for offset in 0..<width { states[start + offset].clear() }
        if groups != nil { groups!.give(base / Int32(windowStride)) } else { free.append(base) }
    }

    /// Every free window's base.
    private var allFree: [Int32] { groups.map { $0.allFree.map { $0 * Int32(windowStride) } } ?? free }

    /// Makes the arena grouped, from the groups of its live windows (`live`: base and group):
    /// each chunk serves the group of the first live window met in it, and chunks without one
    /// are unclaimed. For an arena restored from a checkpoint, or whose closes became spread.
    mutating func regroup(live: some Sequence<(base: Int32, group: UInt8)>) {
        var freeBases = allFree
        // Whole chunks only: the tail of the last one is added free.
        let chunk = windowStride * Self.slotsPerChunk
        let tail = (chunk - states.count % chunk) % chunk
        if tail > 0 {
            freeBases += Swift.stride(from: states.count, to: states.count + tail, by: windowStride).map { Int32($0) }
            states.append(contentsOf: repeatElement(.blank, count: tail))
        }
        let width = Int32(windowStride)
        groups = GroupedSlots(blockSize: Self.slotsPerChunk, slotCount: states.count / windowStride, free: freeBases.lazy.map { $0 / width },
                              live: live.lazy.map { ($0.base / width, $0.group) })
        free = []
    }

    /// Makes the arena plain again: its windows stay where they are, allocated in any order.
    mutating func ungroup() {
        free = allFree
        groups = nil
    }

    mutating func add(_ event: Event, at base: Int32) {
        let start = Int(base)
        // By index: `enumerated()` would copy each layout (retaining its expression) per event.
        for offset in layouts.indices { states[start + offset].add(event, layout: layouts[offset]) }
    }

    /// Adds the states at `source` into those at `target`.
    mutating func merge(_ source: Int32, into target: Int32) {
        for (offset, layout) in layouts.enumerated() {
            let from = states[Int(source) + offset]
            states[Int(target) + offset].merge(from, layout: layout)
        }
    }

    /// `body` run on the arena where it lies. A class holding an arena that calls one of its
    /// non-mutating methods copies it first (retaining each of its arrays), since the call
    /// might change the class's property meanwhile; through this mutating call it is reached in
    /// place. For the reads of every window close (``appendValues(at:for:to:)``).
    @inline(__always)
    mutating func inPlace<Result>(_ body: (borrowing AggregateArena) -> Result) -> Result {
        body(self)
    }

    /// Appends the slot values of the states at `base` to `values`.
    func appendValues(at base: Int32, for slots: [AggregateSlot], to values: inout [Double?]) {
        let start = Int(base)
        for slot in slots {
            values.append(states.withElement(at: start + slot.input) { AggregateState.value(of: slot.function, at: $0) })
        }
    }

    /// Appends the slot values of several bases merged in order, without changing them;
    /// `merged` is scratch space, reused from call to call.
    func appendMergedValues(of bases: some Collection<Int32>, for slots: [AggregateSlot], scratch merged: inout [AggregateState],
                            to values: inout [Double?]) {
        if bases.count == 1 { return appendValues(at: bases.first!, for: slots, to: &values) }
        if merged.count == layouts.count {
            // The scratch states emptied in place: made afresh, each with optional parts
            // allocated a new object per merge.
            for offset in layouts.indices {
                merged[offset].clear()
                merged[offset].reset(for: layouts[offset])
            }
        } else {
            merged.removeAll(keepingCapacity: true)
            for offset in layouts.indices { merged.append(AggregateState(layouts[offset])) }
        }
        for base in bases {
            // By index: iterating the layouts would copy each (retaining its expression).
            for offset in layouts.indices { merged[offset].merge(states[Int(base) + offset], layout: layouts[offset]) }
        }
        // Through the buffer: an array's subscript would copy each state (retaining its parts).
        merged.withUnsafeBufferPointer { merged in
            for slot in slots { values.append(merged[slot.input].value(of: slot.function)) }
        }
    }

    /// A copy for `layouts` (a window group's inputs after a reload): every window keeps its
    /// place, with what the old input `inputMap` names for each new input holds (parts the new
    /// layout adds start empty), or an empty state where it names none (an input new to the
    /// group starts at the reload). A window's
    /// base in the copy is ``rebase(_:to:)`` of its base here.
    func remapped(to layouts: [InputLayout], inputMap: [Int?]) -> AggregateArena {
        precondition(width > 0 && inputMap.count == layouts.count, "remapping needs windows of at least one input")
        var copy = AggregateArena(layouts: layouts)
        let freed = Set(allFree)
        for window in 0..<(states.count / width) {
            let base = window * width
            if freed.contains(Int32(base)) {
                copy.states.append(contentsOf: repeatElement(.blank, count: layouts.count))
            } else {
                for (layout, old) in zip(layouts, inputMap) {
                    copy.states.append(old.map { AggregateState(layout, carrying: states[base + $0], features: self.layouts[$0].features) }
                        ?? AggregateState(layout))
                }
            }
        }
        copy.free = free.map { rebase($0, to: copy) }  // empty when grouped
        copy.liveCount = liveCount
        // The same windows in the same chunks (a chunk holds 32 windows whatever their width),
        // numbered alike.
        copy.groups = groups
        return copy
    }

    /// Where the window at `base` here is in `copy`, a ``remapped(to:inputMap:)`` of this arena.
    func rebase(_ base: Int32, to copy: AggregateArena) -> Int32 {
        Int32(Int(base) / width * copy.width)
    }

    /// Whether most of the storage is free, so that ``compacted(keeping:)`` would return memory.
    var isSparse: Bool { states.count > 64 * max(width, 1) && liveCount * 4 * max(width, 1) < states.count }

    /// A copy holding only the slots at `bases` (every live one), and the new base of each.
    /// In a grouped arena each window stays with its chunk's group.
    func compacted(keeping bases: some Sequence<Int32>) -> (arena: AggregateArena, moved: [Int32: Int32]) {
        var copy = AggregateArena(layouts: layouts, grouped: grouped)
        var moved: [Int32: Int32] = [:]
        for base in bases {
            let target = copy.allocate(group: groups.map { $0.blockGroups[Int(base) / windowStride / Self.slotsPerChunk] } ?? 0)
            for offset in 0..<width { copy.states[Int(target) + offset] = states[Int(base) + offset] }
            moved[base] = target
        }
        return (copy, moved)
    }

    /// Approximate bytes of the live states. Optional parts (moments, sketches, distinct counters)
    /// are measured on at most 64 evenly spaced states and extrapolated, so the estimate costs
    /// the same however many windows are open (the engine asks after every batch).
    var byteCount: Int {
        var total = states.capacity * MemoryLayout<AggregateState>.stride + free.capacity * 4
            + (groups?.byteCount ?? 0)
        guard layouts.contains(where: { !$0.features.isEmpty }), !states.isEmpty else { return total }
        let step = max(1, states.count / 64)
        var sampled = 0
        var extra = 0
        for index in stride(from: 0, to: states.count, by: step) {
            extra += states[index].byteCount - MemoryLayout<AggregateState>.stride
            sampled += 1
        }
        total += extra * states.count / sampled
        return total
    }
}

extension AggregateArena {
    /// Writes the states, free list and live count (the layouts come from the pipeline). A
    /// grouped arena writes its free windows in one list, and is grouped again on restore
    /// (``regroup(live:)``) from its live windows.
    func write(to writer: inout CheckpointWriter) {
        // Without optional parts a state is its totals: written as one block.
        let plain = layouts.allSatisfy { $0.features.isEmpty }
        writer.write(plain)
        if plain {
            writer.write(states.map(\.totals))
        } else {
            writer.writeCount(states.count)
            // Each chunk holds whole windows, so the layout cycles from its first state on.
            let features = layouts.map(\.features)
            states.forEachChunkBuffer { chunk in
                var input = 0
                for index in chunk.indices {
                    chunk[index].write(to: &writer, features: features[input])
                    input = input + 1 == features.count ? 0 : input + 1
                }
            }
        }
        writer.write(allFree)
        writer.write(liveCount)
    }

    /// Reads what ``write(to:)`` wrote, for an arena of the same layouts.
    mutating func restore(from reader: inout CheckpointReader) throws(CheckpointError) {
        states.removeAll()
        if try reader.read(Bool.self) {
            states.append(contentsOf: try reader.read([Totals].self).lazy.map(AggregateState.init(totals:)))
        } else {
            let count = try reader.readCount(minimumElementBytes: 33)
            states.reserveCapacity(count)
            for index in 0..<count { states.append(try AggregateState(from: &reader, features: layouts[index % max(width, 1)].features)) }
        }
        free = try reader.read()
        liveCount = try reader.read()
        groups = nil  // until the owner calls regroup(live:) with its windows' groups
        guard states.count % max(width, 1) == 0, free.allSatisfy({ Int($0) + width <= states.count }) else {
            throw reader.invalid("window states do not match the aggregation's \(width) input(s)")
        }
    }
}

extension WindowKey: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(key)
        writer.write(start)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        key = try reader.read()
        start = try reader.read()
    }
}
