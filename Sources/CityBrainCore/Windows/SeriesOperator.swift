/// No windows: hands each key's readings to its rule one by one, in event-time order, for the
/// per-reading rules (anomaly, stuck).
///
/// A reading not newer than the key's latest one is skipped: a per-reading detector learns from a
/// series in time order, and replaying an older reading into it would corrupt what it learnt
/// (a repeated row is skipped too).
final class SeriesOperator {
    private(set) var aggregation: Aggregation
    /// Each key's latest reading time, by key id (``none``: no reading). Key ids are dense, so an
    /// array beats a dictionary: this is read for every reading of every per-reading rule. A
    /// sentinel rather than a `KeyIndexed<Int64>`: an optional `Int64` takes 16 bytes a key, not
    /// 8 (tried: +4 MB of peak RSS at 100 000 sensors, no gain in time). In copy-on-write chunks,
    /// so the first reading after a checkpoint copies one chunk, not every key's time.
    private var latest = ChunkedArray<Int64>(chunkLength: 4_096)
    private static let none = Int64.min

    init(aggregation: Aggregation) {
        self.aggregation = aggregation
    }

    var byteCount: Int { latest.capacity * 8 }
    func hasState(for key: Int32) -> Bool { Int(key) < latest.count && latest[Int(key)] != Self.none }

    /// Takes over `aggregation`, a reading group's new union after a reload: the latest reading
    /// times are the same for every member, so they are kept.
    func adopt(_ aggregation: Aggregation) { self.aggregation = aggregation }

    func forget(_ key: Int32) {
        if Int(key) < latest.count { latest[Int(key)] = Self.none }
    }

    /// One `.reading` firing for `event`, unless it is not newer than the key's latest reading.
    /// `start` is the key's previous reading time (the event's own for its first).
    func add(_ event: Event, key: Int32, trigger: Int64, into firings: inout FiringBatch) {
        let index = Int(key)
        if index >= latest.count { latest.append(contentsOf: repeatElement(Self.none, count: index - latest.count + 1)) }
        let stored = latest[index]
        let previous: Int64? = stored == Self.none ? nil : stored
        if let previous, event.timestamp <= previous { return }
        latest[index] = event.timestamp
        firings.append(.reading, key: key, start: previous ?? event.timestamp, end: event.timestamp, trigger: trigger) { values in
            // Each input read in place (a copy of an input retains its expression, per reading).
            for slot in aggregation.slots {
                values.append(slot.function.single(aggregation.inputs[slot.input].input.single(of: event), at: event.timestamp))
            }
        }
    }

}

extension AggregateInput {
    /// The input of one reading: 1 for `.events`, the expression's value, or 1 when the event has
    /// the text field (`nil` when it lacks the input).
    func single(of event: Event) -> Double? {
        switch self {
        case .events: 1
        case .number(let expression): expression.evaluate(event)
        case .text(let field): field.value(of: event) == nil ? nil : 1
        }
    }
}

extension AggregateFunction {
    /// The aggregate of a single reading `value` (`nil`: the reading lacks the input).
    func single(_ value: Double?, at time: Int64) -> Double? {
        switch self {
        case .count: value == nil ? 0 : 1
        case .distinct: value == nil ? 0 : 1
        case .span: value == nil ? nil : 0
        case .stddev, .slope, .slopeStandardError: nil
        case .stddevPopulation: value == nil ? nil : 0
        case .sum, .mean, .min, .max, .first, .last, .p50, .p90, .p95, .p99: value
        }
    }
}

extension SeriesOperator {
    /// Each key's latest reading time, by value, for a checkpoint.
    /// Written as a dictionary of key id to time, the keys that have one.
    struct Captured {
        let latest: ChunkedArray<Int64>
        func write(to writer: inout CheckpointWriter) {
            writer.writeCount(latest.lazy.filter { $0 != SeriesOperator.none }.count)
            for (key, time) in latest.enumerated() where time != SeriesOperator.none {
                writer.write(Int32(key))
                writer.write(time)
            }
        }
    }

    func capture() -> Captured { Captured(latest: latest) }

    func restore(from reader: inout CheckpointReader) throws(CheckpointError) {
        let times: [Int32: Int64] = try reader.read()
        latest.removeAll()
        for (key, time) in times {
            guard key >= 0, key < KeyIndexed<Int64>.largestKey, time != Self.none else { throw reader.invalid("a series time for key \(key)") }
            if Int(key) >= latest.count { latest.append(contentsOf: repeatElement(Self.none, count: Int(key) - latest.count + 1)) }
            latest[Int(key)] = time
        }
    }
}
