/// Finds messages lost in transit from the per-sensor `seq` counters a feed may carry: a sensor
/// whose counter jumps from 7 to 10 lost two messages (a SUB socket's queue was full, or a
/// gateway's link dropped them). A counter that goes back means the sender restarted; counting
/// starts again from there. Events without `seq` are not tracked.
struct SequenceGapTracker {
    private var last: [String: Int64] = [:]
    /// Messages of a sensor received but shed before their counter was read (see
    /// ``skipped(sensor:)``): they are not lost.
    private var skips: [String: Int] = [:]

    /// What `event`'s counter says: messages lost before it, and whether its sender restarted.
    mutating func observe(sensor: String, sequence: Int64) -> (lost: Int, restarted: Bool) {
        let skipped = skips.isEmpty ? 0 : skips.removeValue(forKey: sensor) ?? 0
        guard let previous = last.updateValue(sequence, forKey: sensor) else { return (0, false) }
        if sequence > previous { return (max(0, Int(sequence - previous - 1) - skipped), false) }
        return (0, true)
    }

    /// Notes a message of `sensor` that arrived but was shed undecoded, so the gap it leaves in
    /// the counter is not counted as lost. Only sensors already tracked are noted.
    mutating func skipped(sensor: String) {
        guard last[sensor] != nil else { return }
        skips[sensor, default: 0] += 1
    }

    /// Sensors being tracked.
    var count: Int { last.count }
}
