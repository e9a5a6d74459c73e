import HeapModule

/// Absence detection in event time: a key is silent once the watermark passes its last event
/// time plus `after`, and speaks again at its next event.
final class SilenceTracker {
    let after: Int64
    private var lastSeen: [Int32: Int64] = [:]
    private var silent: Set<Int32> = []
    private var deadlines = Heap<Deadline>()

    private struct Deadline: Comparable {
        var time: Int64
        var key: Int32
        static func < (a: Deadline, b: Deadline) -> Bool { (a.time, a.key) < (b.time, b.key) }
    }

    init(after: Int64) {
        self.after = after
    }

    var nextDeadline: Int64? { deadlines.min?.time }
    var trackedKeys: Int { lastSeen.count }
    var byteCount: Int { lastSeen.capacity * 24 + silent.capacity * 8 + deadlines.count * 16 }
    func hasState(for key: Int32) -> Bool { lastSeen[key] != nil }

    func add(_ event: Event, key: Int32, trigger: Int64, into firings: inout [WindowFiring]) {
        let previous = lastSeen[key] ?? .min
        if event.timestamp > previous {
            lastSeen[key] = event.timestamp
            deadlines.insert(Deadline(time: event.timestamp + after, key: key))
        }
        if silent.remove(key) != nil {
            // Resolved no earlier than it was raised.
            let time = max(event.timestamp, previous + after)
            firings.append(WindowFiring(kind: .resumed, key: key, start: previous, end: time, values: [], trigger: trigger))
        }
    }

    /// Raises silences due by `watermark`. The end of a bounded input (watermark `.max`) is not
    /// silence: nothing fires then.
    func advance(to watermark: Int64, clock: TriggerClock, into firings: inout [WindowFiring]) {
        guard watermark != .max else { return }
        while let deadline = deadlines.min, deadline.time <= watermark {
            deadlines.removeMin()
            guard let last = lastSeen[deadline.key], last + after == deadline.time, !silent.contains(deadline.key) else { continue }
            silent.insert(deadline.key)
            firings.append(WindowFiring(kind: .silenced, key: deadline.key, start: last, end: deadline.time, values: [],
                                        trigger: clock.position(reaching: deadline.time)))
        }
    }
}
