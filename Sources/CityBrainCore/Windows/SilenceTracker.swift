import HeapModule

/// Absence detection in event time: a key is silent once the watermark passes its last event
/// time plus its timeout, and speaks again at its next event newer than that. With a cadence
/// timeout (``SilenceTimeout/cadence(intervals:atLeast:atMost:)``) each key's own reporting
/// interval is learnt from its events. A firing's only value is the key's timeout in ms.
final class SilenceTracker {
    let timeout: SilenceTimeout
    /// By key id, in copy-on-write chunks: the first reading after a checkpoint copies its
    /// chunk, not every key's entry (`perf`: a third of that batch at a million sensors).
    private var keys = KeyIndexed<Tracked>()
    private var silent: Set<Int32> = []
    /// At most one entry that counts per key that is not silent, at or before its deadline: an
    /// event moves the deadline on without touching the heap, and the entry, once due, is put
    /// back at the deadline if the key spoke meanwhile. An entry per event instead held one for
    /// every reading within the timeout (60 per sensor reporting every 10 s with `after: 10m`),
    /// and cost a heap insertion per event.
    private var deadlines = Heap<Deadline>()

    fileprivate struct Tracked {
        var lastSeen: Int64
        var deadline: Int64
        /// The time of the key's entry in ``SilenceTracker/deadlines`` that counts (entries at
        /// other times are stale).
        var scheduled: Int64
        var cadence = CadenceEstimator()
    }

    fileprivate struct Deadline: Comparable {
        var time: Int64
        var key: Int32
        static func < (a: Deadline, b: Deadline) -> Bool { (a.time, a.key) < (b.time, b.key) }
    }

    init(timeout: SilenceTimeout) {
        self.timeout = timeout
    }

    var nextDeadline: Int64? { deadlines.min?.time }
    var trackedKeys: Int { keys.count }
    /// Entries in the deadline heap, stale ones included (at most about one per key).
    var pendingDeadlines: Int { deadlines.count }
    var byteCount: Int { keys.capacity * (MemoryLayout<Tracked?>.stride + 1) + silent.capacity * 8 + deadlines.count * 16 }
    func hasState(for key: Int32) -> Bool { keys[key] != nil }

    /// Forgets `keys`: none of them is reported silent (their pending deadlines are skipped).
    func forget(_ released: Set<Int32>) {
        for key in released {
            keys[key] = nil
            silent.remove(key)
        }
    }

    /// The learnt reporting interval of `key`, if known.
    func cadence(of key: Int32) -> Int64? { keys[key]?.cadence.interval }

    func add(_ event: Event, key: Int32, trigger: Int64, into firings: inout FiringBatch) {
        let previous = keys[key]
        // A reading not newer than the key's latest says nothing new of it: it neither resumes a
        // silent key nor moves its deadline. (One that resumed it left it with no deadline, so a
        // key that then stayed quiet was never reported silent again.)
        guard event.timestamp > previous?.lastSeen ?? .min else { return }
        var resumed = false
        if let previous, silent.remove(key) != nil {
            resumed = true
            // Resolved no earlier than it was raised.
            let time = max(event.timestamp, previous.deadline)
            firings.append(.resumed, key: key, start: previous.lastSeen, end: time, trigger: trigger) {
                $0.append(Double(previous.deadline - previous.lastSeen))
            }
        }
        var tracked = previous ?? Tracked(lastSeen: event.timestamp, deadline: 0, scheduled: .max)
        if let previous { tracked.cadence.add(interval: event.timestamp - previous.lastSeen) }
        tracked.lastSeen = event.timestamp
        tracked.deadline = event.timestamp + timeout.timeout(cadence: tracked.cadence)
        // A later deadline waits for the entry there is; an earlier one (a new key, one that
        // resumed, or a cadence learnt shorter) needs an entry of its own.
        if resumed || tracked.deadline < tracked.scheduled {
            tracked.scheduled = tracked.deadline
            deadlines.insert(Deadline(time: tracked.deadline, key: key))
        }
        keys[key] = tracked
    }

    /// Raises silences due by `watermark`. The end of a bounded input (watermark `.max`) is not
    /// silence: nothing fires then.
    func advance(to watermark: Int64, clock: TriggerClock, into firings: inout FiringBatch) {
        guard watermark != .max else { return }
        while let deadline = deadlines.min, deadline.time <= watermark {
            deadlines.removeMin()
            guard var tracked = keys[deadline.key], tracked.scheduled == deadline.time, !silent.contains(deadline.key) else { continue }
            if tracked.deadline > deadline.time {
                // The key spoke since: its entry moves to its deadline (and fires in this loop if due).
                tracked.scheduled = tracked.deadline
                keys[deadline.key] = tracked
                deadlines.insert(Deadline(time: tracked.deadline, key: deadline.key))
                continue
            }
            silent.insert(deadline.key)
            firings.append(.silenced, key: deadline.key, start: tracked.lastSeen, end: deadline.time,
                           trigger: clock.position(reaching: deadline.time)) { $0.append(Double(deadline.time - tracked.lastSeen)) }
        }
    }
}

extension SilenceTracker {
    /// The tracker's state by value, for a checkpoint (see ``PaneWindowOperator/Captured``).
    ///
    /// The deadlines are not part of it: every key that is not silent has exactly one pending
    /// entry that counts, at its `Tracked.scheduled`, and the rest are stale entries that
    /// ``advance(to:clock:into:)`` skips. A restore puts each key's entry at its deadline, so a
    /// checkpoint never shares the heap, and the first reading after one does not copy it whole.
    struct Captured {
        fileprivate let keys: KeyIndexed<Tracked>
        fileprivate let silent: Set<Int32>

        func write(to writer: inout CheckpointWriter) {
            writer.write(keys)
            writer.write(silent)
        }
    }

    func capture() -> Captured { Captured(keys: keys, silent: silent) }

    func restore(from reader: inout CheckpointReader) throws(CheckpointError) {
        keys = try reader.read()
        silent = try reader.read()
        deadlines = Heap(keys.lazy.filter { !self.silent.contains($0.key) }.map { Deadline(time: $0.value.deadline, key: $0.key) })
    }
}

extension SilenceTracker.Tracked: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(lastSeen)
        writer.write(deadline)
        writer.write(cadence)
    }

    /// Scheduled at its deadline, where ``SilenceTracker/restore(from:)`` puts its entry.
    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        lastSeen = try reader.read()
        deadline = try reader.read()
        scheduled = deadline
        cadence = try reader.read()
    }
}
