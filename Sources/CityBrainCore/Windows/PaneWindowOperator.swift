import HeapModule

/// Tumbling and sliding windows per key, built from panes of `gcd(size, slide)`.
///
/// Each event updates exactly one pane; a window's result merges its `size / pane` panes when it
/// fires. A pane is freed when the last window containing it is done (fired, and past its allowed
/// lateness), so state is bounded by the window size, not the history.
///
/// With a close spread (``CloseSpread``), each key sees the watermark its slice's lag behind
/// the engine's: its windows are scheduled to fire at `end + lag`, and its events are judged late
/// by its own watermark. The slices come with each call, by key (the key table's
/// ``KeyTable/slices``).
///
/// A class: it is mutated in place for every event, and owning its aggregation means nothing is
/// copied on the hot path.
final class PaneWindowOperator {
    private(set) var aggregation: Aggregation
    let size: Int64
    let slide: Int64
    let pane: Int64
    let lateness: Int64
    private(set) var spread: CloseSpread
    private(set) var arena: AggregateArena
    private var panes = PaneTable()
    /// Each key's newest pane, looked up before the table.
    private var newest = NewestPanes()
    /// Live panes per key, indexed by the interned key (dense, so an array beats a dictionary).
    private var paneCounts: [Int32] = []
    /// Times at which windows fire (their end plus their key's lag), with the keys that have a
    /// window firing then.
    private var fireTimes = Heap<Int64>()
    private var dueToFire: [Int64: [Int32]] = [:]
    private var scheduledWindows = 0
    /// Fired windows kept for late events, and when each is done.
    private var retained: Set<WindowKey> = []
    private var purgeTimes = Heap<Int64>()
    private var dueToPurge: [Int64: [WindowKey]] = [:]
    /// Scratch space of a sliding window's firing, reused (`perf probe` on malloc: a new pane
    /// list per firing was a quarter of the benchmark pipeline's allocations).
    private var mergedBases: [Int32] = []
    private var mergedStates: [AggregateState] = []

    init(size: Int64, slide: Int64, aggregation: Aggregation, spread: CloseSpread = .none) {
        self.aggregation = aggregation
        self.spread = spread
        self.size = size
        self.slide = slide
        self.pane = Self.gcd(size, slide)
        self.lateness = aggregation.window.allowedLateness
        // Grouped by close slice when closes are spread, so a slice's panes lie together.
        self.arena = AggregateArena(layouts: aggregation.inputs, grouped: spread.span > 0)
    }

    var openWindowCount: Int { scheduledWindows + retained.count }
    var nextDeadline: Int64? {
        switch (fireTimes.min, purgeTimes.min) {
        case let (fire?, purge?): min(fire, purge)
        case let (fire, purge): fire ?? purge
        }
    }
    func hasState(for key: Int32) -> Bool { Int(key) < paneCounts.count && paneCounts[Int(key)] > 0 }
    var byteCount: Int {
        arena.byteCount + panes.byteCount + newest.byteCount + paneCounts.capacity * 4 + scheduledWindows * 4 + retained.capacity * 24 + dueToFire.capacity * 48
    }

    /// Drops every window of `keys` without firing it: their panes, scheduled ends and windows
    /// kept for late events.
    func forget(_ keys: Set<Int32>) {
        guard !keys.isEmpty else { return }
        for base in panes.removeAll(of: keys) { arena.release(base) }
        for key in keys { newest.forget(key: key) }
        for key in keys where Int(key) < paneCounts.count { paneCounts[Int(key)] = 0 }
        for (end, listed) in dueToFire {
            let kept = listed.filter { !keys.contains($0) }
            guard kept.count < listed.count else { continue }
            scheduledWindows -= listed.count - kept.count
            dueToFire[end] = kept  // an end left empty fires nothing
        }
        retained = retained.filter { !keys.contains($0.key) }  // their purges find nothing
    }

    /// Takes over `aggregation`, a window group's new union of the same windows after a reload:
    /// every window is kept, inputs still in the group keep their states, new inputs start
    /// empty. `false` (nothing changed) when the windows cannot be carried over. A new
    /// `spread` moves every scheduled close and purge to its key's new lag.
    func adopt(_ aggregation: Aggregation, spread: CloseSpread, slices: [UInt8]) -> Bool {
        if aggregation.inputs != self.aggregation.inputs {
            guard arena.width > 0 else { return false }
            let copy = arena.remapped(to: aggregation.inputs, inputMap: aggregation.inputMap(from: self.aggregation))
            panes.updateBases { arena.rebase($0, to: copy) }
            newest.removeAll()
            arena = copy
        }
        self.aggregation = aggregation
        if spread != self.spread { respread(to: spread, slices: slices) }
        return true
    }

    /// Reschedules every close and purge for the lags of `new`, and groups the panes by slice
    /// when closes become spread (or stops when they no longer are).
    private func respread(to new: CloseSpread, slices: [UInt8]) {
        let old = spread
        spread = new
        if new.span > 0, !arena.grouped { groupArena(by: slices) }
        if new.span == 0, arena.grouped { arena.ungroup() }
        var closes: [Int64: [Int32]] = [:]
        for (time, keys) in dueToFire {
            for key in keys {
                let slice = slices[Int(key)]
                closes[time - old.lag(ofSlice: slice) + new.lag(ofSlice: slice), default: []].append(key)
            }
        }
        dueToFire = closes
        fireTimes = Heap(closes.keys)
        var purges: [Int64: [WindowKey]] = [:]
        for window in dueToPurge.values.joined() {
            purges[window.start + size + lateness + new.lag(ofSlice: slices[Int(window.key)]), default: []].append(window)
        }
        dueToPurge = purges
        purgeTimes = Heap(purges.keys)
    }

    /// Returns memory to the system when most of it is free (after many keys went quiet).
    func compactIfSparse() {
        panes.shrinkIfSparse()
        newest.releaseIfSparse(openPanes: panes.count)
        guard arena.isSparse else { return }
        var live: [Int32] = []
        live.reserveCapacity(panes.count)
        panes.forEach { _, _, base in live.append(base) }
        let (copy, moved) = arena.compacted(keeping: live)
        arena = copy
        panes.updateBases { moved[$0]! }
        newest.removeAll()
        dueToFire = Dictionary(uniqueKeysWithValues: dueToFire.map { ($0.key, $0.value) })
        retained = Set(retained)
    }

    /// Window starts (multiples of `slide`) of the windows containing `time`, earliest first.
    private func windowStarts(containing time: Int64) -> StrideThrough<Int64> {
        let last = time.floored(toMultipleOf: slide)
        let first = (time - size).floored(toMultipleOf: slide) + slide
        return Swift.stride(from: first, through: last, by: Int(slide))
    }

    /// Adds an event of `key` (of close slice `slice`), judged by the key's own watermark: the
    /// engine's `watermark`, its slice's lag behind.
    func add(_ event: Event, key: Int32, watermark engineWatermark: Int64, slice: UInt8, trigger: Int64,
             into firings: inout FiringBatch) -> LateVerdict {
        let watermark = spread.watermark(engineWatermark, slice: slice)
        let time = event.timestamp
        let lastStart = time.floored(toMultipleOf: slide)
        guard lastStart + size + lateness > watermark else {
            return .tooLate(window: (lastStart, lastStart + size))
        }
        let paneStart = time.floored(toMultipleOf: pane)
        let base = newest.base(of: key, start: paneStart) ?? paneBase(key: key, start: paneStart, time: time, watermark: watermark, slice: slice)
        arena.add(event, at: base)
        // Windows already fired (or due) but still within their allowed lateness see the event now.
        for start in windowStarts(containing: time) where start + size <= watermark && start + size + lateness > watermark {
            let window = WindowKey(key: key, start: start)
            if retained.insert(window).inserted { schedulePurge(window, slice: slice) }
            firings.append(.lateUpdate, key: key, start: start, end: start + size, trigger: trigger) {
                appendValues(key: key, start: start, to: &$0)
            }
        }
        return .accepted
    }

    /// The base of `key`'s pane starting at `start` (holding `time`), from the table or made
    /// now (and the windows it begins scheduled); noted as the key's newest if it is.
    private func paneBase(key: Int32, start: Int64, time: Int64, watermark: Int64, slice: UInt8) -> Int32 {
        let base: Int32
        if let existing = panes[key, start] {
            base = existing
        } else {
            base = arena.allocate(group: slice)
            panes.insert(key: key, start: start, base: base)
            if Int(key) >= paneCounts.count { paneCounts.append(contentsOf: repeatElement(0, count: Int(key) - paneCounts.count + 1)) }
            paneCounts[Int(key)] += 1
            // A window is scheduled by the first of its panes to exist.
            for windowStart in windowStarts(containing: time) where windowStart + size > watermark {
                let scheduled = Swift.stride(from: windowStart, to: windowStart + size, by: Int(pane)).contains { other in
                    other != start && panes.contains(key: key, start: other)
                }
                if !scheduled { schedule(key: key, end: windowStart + size, slice: slice) }
            }
        }
        newest.note(key: key, start: start, base: base)
        return base
    }

    private func schedule(key: Int32, end: Int64, slice: UInt8) {
        let time = end + spread.lag(ofSlice: slice)
        if dueToFire[time] == nil { fireTimes.insert(time) }
        dueToFire[time, default: []].append(key)
        scheduledWindows += 1
    }

    private func schedulePurge(_ window: WindowKey, slice: UInt8) {
        let time = window.start + size + lateness + spread.lag(ofSlice: slice)
        if dueToPurge[time] == nil { purgeTimes.insert(time) }
        dueToPurge[time, default: []].append(window)
    }

    /// Fires every window whose key's watermark has reached its end, and finishes those past
    /// their allowed lateness.
    func advance(to watermark: Int64, clock: TriggerClock, slices: [UInt8], into firings: inout FiringBatch) {
        while let time = fireTimes.min, time <= watermark {
            fireTimes.removeMin()
            guard let listed = dueToFire.removeValue(forKey: time) else { continue }
            scheduledWindows -= listed.count
            let trigger = clock.position(reaching: time)
            for key in listed.sorted() {
                let slice = spread.span == 0 ? 0 : slices[Int(key)]
                let end = time - spread.lag(ofSlice: slice)
                let start = end - size
                firings.append(.onTime, key: key, start: start, end: end, trigger: trigger) {
                    appendValues(key: key, start: start, to: &$0)
                }
                let window = WindowKey(key: key, start: start)
                if lateness == 0 {
                    freePanes(of: window)
                } else if retained.insert(window).inserted {
                    schedulePurge(window, slice: slice)
                }
            }
        }
        while let time = purgeTimes.min, time <= watermark {
            purgeTimes.removeMin()
            guard let windows = dueToPurge.removeValue(forKey: time) else { continue }
            let trigger = clock.position(reaching: time)
            for window in windows where retained.remove(window) != nil {
                firings.append(.final, key: window.key, start: window.start, end: window.start + size, trigger: trigger) {
                    appendValues(key: window.key, start: window.start, to: &$0)
                }
                freePanes(of: window)
            }
        }
    }

    /// Frees the panes whose last window is `window`: those in `[start, start + slide)`.
    private func freePanes(of window: WindowKey) {
        for start in Swift.stride(from: window.start, to: window.start + slide, by: Int(pane)) {
            guard let base = panes.remove(key: window.key, start: start) else { continue }
            newest.forget(key: window.key, start: start)
            arena.release(base)
            paneCounts[Int(window.key)] -= 1
        }
    }

    private func appendValues(key: Int32, start: Int64, to values: inout [Double?]) {
        let slots = aggregation.slots
        if size == pane, let base = panes[key, start] {
            return arena.inPlace { $0.appendValues(at: base, for: slots, to: &values) }  // a tumbling window is one pane
        }
        mergedBases.removeAll(keepingCapacity: true)
        for paneStart in Swift.stride(from: start, to: start + size, by: Int(pane)) {
            if let base = panes[key, paneStart] { mergedBases.append(base) }
        }
        let bases = mergedBases
        arena.inPlace { $0.appendMergedValues(of: bases, for: slots, scratch: &mergedStates, to: &values) }
    }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }
}

extension PaneWindowOperator {
    /// The windows' state by value, for a checkpoint: taking it copies nothing (every part is
    /// copy-on-write), and the operator goes on changing its own copy while this one is encoded.
    struct Captured {
        let arena: AggregateArena
        let panes: PaneTable
        let paneCounts: [Int32]
        let fireTimes: Heap<Int64>
        let dueToFire: [Int64: [Int32]]
        let scheduledWindows: Int
        let retained: Set<WindowKey>
        let purgeTimes: Heap<Int64>
        let dueToPurge: [Int64: [WindowKey]]

        func write(to writer: inout CheckpointWriter) {
            arena.write(to: &writer)
            writer.write(panes)
            writer.write(paneCounts)
            writer.write(fireTimes)
            writer.write(dueToFire)
            writer.write(scheduledWindows)
            writer.write(retained)
            writer.write(purgeTimes)
            writer.write(dueToPurge)
        }
    }

    func capture() -> Captured {
        Captured(arena: arena, panes: panes, paneCounts: paneCounts, fireTimes: fireTimes, dueToFire: dueToFire,
                 scheduledWindows: scheduledWindows, retained: retained, purgeTimes: purgeTimes, dueToPurge: dueToPurge)
    }

    /// Groups the panes' states in the arena by their keys' close slices.
    private func groupArena(by slices: [UInt8]) {
        var live: [(base: Int32, group: UInt8)] = []
        live.reserveCapacity(panes.count)
        // A key the table lacks (only in a damaged checkpoint) goes with slice 0.
        panes.forEach { key, _, base in live.append((base, Int(key) < slices.count ? slices[Int(key)] : 0)) }
        arena.regroup(live: live)
    }

    /// Reads what ``Captured/write(to:)`` wrote; `slices` are the close slices of the keys, by key.
    func restore(from reader: inout CheckpointReader, slices: [UInt8]) throws(CheckpointError) {
        try arena.restore(from: &reader)
        panes = try reader.read()
        newest.removeAll()
        paneCounts = try reader.read()
        fireTimes = try reader.read()
        dueToFire = try reader.read()
        scheduledWindows = try reader.read()
        retained = try reader.read()
        purgeTimes = try reader.read()
        dueToPurge = try reader.read()
        if spread.span > 0 { groupArena(by: slices) }
    }
}
