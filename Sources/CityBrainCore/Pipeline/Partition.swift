import Dispatch

/// One shard of the engine: owns the window and alert state of every key hashed to it.
///
/// Thread rule: all state is touched only on ``queue`` (checked in debug builds), so the hot
/// path takes no locks.
final class Partition: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    private var keys = KeyTable()
    private var rules: [RuleInstance]
    private var watermark: Int64 = .min
    /// Earliest window end over all rules: nothing closes before it.
    private var nextDeadline: Int64 = .max

    init(index: Int, rules: [Rule]) {
        self.index = index
        self.queue = DispatchQueue(label: "citybrain.partition.\(index)")
        self.rules = rules.map(RuleInstance.init(rule:))
    }

    /// Processes one batch in order. Call on ``queue``.
    func process(_ batch: PartitionBatch) -> PartitionResult {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(queue))
        #endif
        var result = PartitionResult()
        result.events = batch.events.count
        for position in batch.events.indices {
            let eventWatermark = batch.watermarks[position]
            advance(to: eventWatermark, into: &result.alerts)
            let event = batch.events[position]
            var key: Int32?
            var late = false
            for index in rules.indices where rules[index].rule.filter.matches(event) {
                let interned = key ?? keys.intern(event)
                key = interned
                if rules[index].add(event, key: interned, watermark: eventWatermark) {
                    nextDeadline = min(nextDeadline, rules[index].nextEnd ?? .max)
                } else {
                    late = true
                }
            }
            if late { result.lateEvents += 1 }
        }
        advance(to: batch.endWatermark, into: &result.alerts)
        result.openWindows = rules.reduce(0) { $0 + $1.openWindowCount }
        result.openAlerts = rules.reduce(0) { $0 + $1.openAlertCount }
        return result
    }

    private func advance(to newWatermark: Int64, into alerts: inout [Alert]) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        guard newWatermark >= nextDeadline else { return }
        var deadline = Int64.max
        for index in rules.indices {
            rules[index].close(upTo: newWatermark, keys: keys, into: &alerts)
            deadline = min(deadline, rules[index].nextEnd ?? .max)
        }
        nextDeadline = deadline
    }
}
