import HeapModule

/// Session windows per key: events closer than `gap` form one window `[first, last + gap)`.
///
/// An event whose `[ts, ts + gap)` overlaps open sessions joins them (merging sessions it
/// bridges). With `maxLength`, a session does not grow to span `maxLength` or more from its first
/// event to its last: an event that would make it do so starts a new session instead, and a
/// session's end is capped at `first + maxLength`. These choices are made in arrival order, so
/// they are deterministic for a given input.
///
/// A session fires when the watermark reaches its end. With allowed lateness it is kept until
/// `end + lateness`: a late event inside it updates it (without extending it), and a late event
/// near no session forms a session of its own at once. A class, mutated in place (see
/// ``PaneWindowOperator``).
final class SessionWindowOperator {
    private(set) var aggregation: Aggregation
    let gap: Int64
    let maxLength: Int64?
    let lateness: Int64
    private(set) var arena: AggregateArena
    /// Open sessions (and fired ones kept for late events) by key, in copy-on-write chunks.
    private var sessions = KeyIndexed<[Session]>()
    /// At most one entry that counts per open session, at or before its end: an event that
    /// extends a session moves its end without touching the heap, and the entry, once due, is
    /// put back at the end if the session grew meanwhile (one entry per event instead held one
    /// for every reading within the gap, and cost a heap insertion per event). Fired sessions
    /// kept for late events have one purge entry each.
    private var deadlines = Heap<Deadline>()
    private var nextID: Int64 = 0
    private var sessionCount = 0

    fileprivate struct Session {
        var id: Int64
        var start: Int64
        var last: Int64
        var base: Int32
        var fired = false
        /// The time of the session's close entry in ``SessionWindowOperator/deadlines`` that
        /// counts (`.max` before it has one).
        var scheduled = Int64.max
    }

    fileprivate struct Deadline: Comparable {
        var time: Int64
        var key: Int32
        var id: Int64
        var purge: Bool
        static func < (a: Deadline, b: Deadline) -> Bool { (a.time, a.key, a.id) < (b.time, b.key, b.id) }
    }

    init(gap: Int64, maxLength: Int64?, aggregation: Aggregation) {
        self.aggregation = aggregation
        self.gap = gap
        self.maxLength = maxLength
        self.lateness = aggregation.window.allowedLateness
        self.arena = AggregateArena(layouts: aggregation.inputs)
    }

    var openWindowCount: Int { sessionCount }
    var nextDeadline: Int64? { deadlines.min?.time }
    /// Entries in the deadline heap, stale ones included (about one per session).
    var pendingDeadlines: Int { deadlines.count }
    func hasState(for key: Int32) -> Bool { sessions[key] != nil }
    var byteCount: Int { arena.byteCount + sessionCount * (MemoryLayout<Session>.stride + 16) + sessions.capacity * (MemoryLayout<[Session]?>.stride + 1) + deadlines.count * 32 }

    /// Drops every session of `keys` without firing it (their pending deadlines are skipped).
    func forget(_ keys: Set<Int32>) {
        for key in keys {
            guard let list = sessions.removeValue(forKey: key) else { continue }
            for session in list { arena.release(session.base) }
            sessionCount -= list.count
        }
    }

    /// Takes over `aggregation`, a window group's new union of the same sessions after a reload
    /// (see ``PaneWindowOperator/adopt(_:spread:slices:)``).
    func adopt(_ aggregation: Aggregation) -> Bool {
        if aggregation.inputs != self.aggregation.inputs {
            guard arena.width > 0 else { return false }
            let copy = arena.remapped(to: aggregation.inputs, inputMap: aggregation.inputMap(from: self.aggregation))
            rebase { arena.rebase($0, to: copy) }
            arena = copy
        }
        self.aggregation = aggregation
        return true
    }

    /// Every session's base changed by `transform` (the arena remapped or compacted).
    private func rebase(_ transform: (Int32) -> Int32) {
        for (key, list) in sessions {
            sessions[key] = list.map { session in
                var session = session
                session.base = transform(session.base)
                return session
            }
        }
    }

    /// Returns memory to the system when most of it is free (after many keys went quiet).
    func compactIfSparse() {
        guard arena.isSparse else { return }
        let (copy, moved) = arena.compacted(keeping: sessions.flatMap { $0.value.map(\.base) })
        arena = copy
        rebase { moved[$0]! }
    }

    private func end(of session: Session) -> Int64 {
        let natural = session.last + gap
        guard let maxLength else { return natural }
        return min(natural, session.start + maxLength)
    }

    private func fits(start: Int64, last: Int64) -> Bool {
        guard let maxLength else { return true }
        return last - start < maxLength
    }

    func add(_ event: Event, key: Int32, watermark: Int64, trigger: Int64, into firings: inout FiringBatch) -> LateVerdict {
        let time = event.timestamp
        // Taken out while it changes and put back at the end, so the array is not shared with
        // the table and changes in place (a copy of it per event otherwise).
        var list = sessions.removeValue(forKey: key) ?? []
        defer { if !list.isEmpty { sessions[key] = list } }
        // One pass over the key's sessions (usually one), without building index lists: the
        // first overlapping session, and the open ones' count and joint extent with the event.
        func overlaps(_ index: Int) -> Bool { time < end(of: list[index]) && time + gap > list[index].start }
        func isOpen(_ index: Int) -> Bool { overlaps(index) && !list[index].fired }
        var firstOverlapping: Int?
        var firstOpen: Int?
        var openCount = 0
        var start = time, last = time
        for index in list.indices where overlaps(index) {
            if firstOverlapping == nil { firstOverlapping = index }
            guard !list[index].fired else { continue }
            if firstOpen == nil { firstOpen = index }
            openCount += 1
            start = min(start, list[index].start)
            last = max(last, list[index].last)
        }

        if openCount > 0 || (firstOverlapping == nil && time + gap > watermark) {
            // The event joins every open session it touches (merging them), unless that would
            // outgrow the maximum length: then the first it fits, else a session of its own.
            let target: Int?
            let mergesAll: Bool
            if openCount > 0, fits(start: start, last: last) {
                (target, mergesAll) = (firstOpen, openCount > 1)
            } else {
                target = list.indices.first { isOpen($0) && fits(start: min(list[$0].start, time), last: max(list[$0].last, time)) }
                mergesAll = false
            }
            if let target {
                if mergesAll {
                    let others = list.indices.filter { $0 != target && isOpen($0) }
                    for other in others.reversed() {
                        arena.merge(list[other].base, into: list[target].base)
                        list[target].start = min(list[target].start, list[other].start)
                        list[target].last = max(list[target].last, list[other].last)
                        arena.release(list[other].base)
                        list.remove(at: other)
                        sessionCount -= 1
                    }
                }
                list[target].start = min(list[target].start, time)
                list[target].last = max(list[target].last, time)
                arena.add(event, at: list[target].base)
                schedule(&list[target], key: key)
            } else {
                list.append(newSession(time: time))
                arena.add(event, at: list[list.count - 1].base)
                schedule(&list[list.count - 1], key: key)
            }
            return .accepted
        }

        if let kept = firstOverlapping {
            // Late, inside a fired session still within its allowed lateness: update it in place.
            arena.add(event, at: list[kept].base)
            firings.append(.lateUpdate, key: key, start: list[kept].start, end: end(of: list[kept]), trigger: trigger) {
                arena.appendValues(at: list[kept].base, for: aggregation.slots, to: &$0)
            }
            return .accepted
        }
        guard time + gap + lateness > watermark else { return .tooLate(window: (time, time + gap)) }
        // Late, near no session, but within the allowed lateness: a session of its own, fired now.
        var session = newSession(time: time)
        session.fired = true
        arena.add(event, at: session.base)
        firings.append(.lateUpdate, key: key, start: time, end: end(of: session), trigger: trigger) {
            arena.appendValues(at: session.base, for: aggregation.slots, to: &$0)
        }
        deadlines.insert(Deadline(time: end(of: session) + lateness, key: key, id: session.id, purge: true))
        list.append(session)
        return .accepted
    }

    private func newSession(time: Int64) -> Session {
        nextID += 1
        sessionCount += 1
        return Session(id: nextID, start: time, last: time, base: arena.allocate())
    }

    /// Gives a session that changed an entry at its end, unless it has one at or before it.
    /// (An event earlier than the session's start can bring a capped end forward.)
    private func schedule(_ session: inout Session, key: Int32) {
        let end = end(of: session)
        guard end < session.scheduled else { return }
        session.scheduled = end
        deadlines.insert(Deadline(time: end, key: key, id: session.id, purge: false))
    }

    func advance(to watermark: Int64, clock: TriggerClock, into firings: inout FiringBatch) {
        while let deadline = deadlines.min, deadline.time <= watermark {
            deadlines.removeMin()
            // Taken out while it changes (see add), and put back after each deadline.
            guard var list = sessions.removeValue(forKey: deadline.key) else { continue }
            defer { if !list.isEmpty { sessions[deadline.key] = list } }
            guard let index = list.firstIndex(where: { $0.id == deadline.id }) else { continue }
            let session = list[index]
            let end = end(of: session)
            let trigger = clock.position(reaching: deadline.time)
            if deadline.purge {
                guard session.fired, end + lateness == deadline.time else { continue }
                firings.append(.final, key: deadline.key, start: session.start, end: end, trigger: trigger) {
                    arena.appendValues(at: session.base, for: aggregation.slots, to: &$0)
                }
            } else {
                guard !session.fired, session.scheduled == deadline.time else { continue }  // stale
                if end > deadline.time {
                    // The session grew since: its entry moves to its end (and fires in this loop if due).
                    list[index].scheduled = end
                    deadlines.insert(Deadline(time: end, key: deadline.key, id: session.id, purge: false))
                    continue
                }
                firings.append(.onTime, key: deadline.key, start: session.start, end: end, trigger: trigger) {
                    arena.appendValues(at: session.base, for: aggregation.slots, to: &$0)
                }
                if lateness > 0 {
                    list[index].fired = true
                    deadlines.insert(Deadline(time: end + lateness, key: deadline.key, id: session.id, purge: true))
                    continue
                }
            }
            arena.release(session.base)
            list.remove(at: index)
            sessionCount -= 1
        }
    }
}

extension SessionWindowOperator {
    /// The sessions' state by value, for a checkpoint (see ``PaneWindowOperator/Captured``).
    ///
    /// The deadlines are not part of it: each session has exactly one pending deadline that
    /// counts (its end while open, its end plus the allowed lateness once fired), and the rest are
    /// stale entries that ``advance(to:clock:into:)`` skips. A restore rebuilds them from the
    /// sessions, so a checkpoint never shares the heap, and the first event after one does not
    /// copy it whole.
    struct Captured {
        fileprivate let arena: AggregateArena
        fileprivate let sessions: KeyIndexed<[Session]>
        fileprivate let nextID: Int64
        fileprivate let sessionCount: Int

        func write(to writer: inout CheckpointWriter) {
            arena.write(to: &writer)
            writer.write(sessions)
            writer.write(nextID)
            writer.write(sessionCount)
        }
    }

    func capture() -> Captured {
        Captured(arena: arena, sessions: sessions, nextID: nextID, sessionCount: sessionCount)
    }

    func restore(from reader: inout CheckpointReader) throws(CheckpointError) {
        try arena.restore(from: &reader)
        sessions = try reader.read()
        nextID = try reader.read()
        sessionCount = try reader.read()
        var pending: [Deadline] = []
        pending.reserveCapacity(sessionCount)
        var scheduled = KeyIndexed<[Session]>()
        for (key, list) in sessions {
            var list = list
            for index in list.indices {
                let end = end(of: list[index])
                if list[index].fired {
                    pending.append(Deadline(time: end + lateness, key: key, id: list[index].id, purge: true))
                } else {
                    list[index].scheduled = end
                    pending.append(Deadline(time: end, key: key, id: list[index].id, purge: false))
                }
            }
            scheduled[key] = list
        }
        sessions = scheduled
        deadlines = Heap(pending)
    }
}

extension SessionWindowOperator.Session: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(id)
        writer.write(start)
        writer.write(last)
        writer.write(base)
        writer.write(fired)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        id = try reader.read()
        start = try reader.read()
        last = try reader.read()
        base = try reader.read()
        fired = try reader.read()
    }
}
