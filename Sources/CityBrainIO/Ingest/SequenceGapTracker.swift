/// Finds messages lost in transit from the per-sensor `seq` counters a feed may carry: a sensor
/// whose counter jumps from 7 to 10 lost two messages (a SUB socket's queue was full, or a
/// gateway's link dropped them). A counter that goes back means the sender restarted; counting
/// starts again from there. Events without `seq` are not tracked.
struct SequenceGapTracker {
    private var last: [String: Int64] = [:]

    /// What `event`'s counter says: messages lost before it, and whether its sender restarted.
    mutating func observe(sensor: String, sequence: Int64) -> (lost: Int, restarted: Bool) {
        guard let previous = last.updateValue(sequence, forKey: sensor) else { return (0, false) }
        if sequence > previous { return (Int(sequence - previous - 1), false) }
        return (0, true)
    }

    /// Sensors being tracked.
    var count: Int { last.count }
}
