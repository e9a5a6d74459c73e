import Dispatch

/// One shard of the engine: owns the window and alert state of every key hashed to it.
///
/// Thread rule: all state is touched only on ``queue`` (checked in debug builds), so the hot
/// path takes no locks.
final class Partition: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    /// The pipeline's rules, then its outputs (``Pipeline/aggregations``), by reference; rule
    /// states are indexed alike.
    private var steps: [Step]
    /// The window groups (``OperatorPlan``): steps with the same match, key and window share one
    /// operator. Operators are indexed alike.
    private var groups: [Group] { didSet { routes = Routes(groups) } }
    /// Which groups each kind of event visits, and how they are keyed: read for every event.
    private var routes: Routes
    private var operators: [WindowOperator]
    /// Window results of one operator call, reused (empty between calls): its buffers keep
    /// their memory from batch to batch instead of growing again on every call.
    private var firings = FiringBatch()
    private var ruleStates: [RuleState]
    private var sensors = KeyTable()
    private var districts = KeyTable()
    private var watermark: Int64 = .min
    /// Earliest watermark at which any window fires or finishes.
    private var nextDeadline: Int64 = .max
    private var keyTTL: Int64?
    private var nextSweep: Int64 = .min

    /// Whether anomaly rules emit every reading's score (``OutputRecord/score(_:)``).
    private let emitScores: Bool

    /// Declared measurements' ranges by kind (``Pipeline/measurements``).
    private var declaredRanges: [EventKind: [String: ClosedRange<Double>]] = [:]

    /// The last estimate of the state's size, and when it was taken (uptime ns): batches in
    /// between report it again (see ``estimateInterval``).
    private var estimate: (bytes: Int, at: UInt64) = (0, 0)
    /// How old the state estimate a batch reports may be. Taking it after every batch cost 5.6 %
    /// of the CPU at light load, where batches hold a few events; the engine's ``StreamEngine/drain()``
    /// takes it afresh, so a reader after a drain sees the exact figure.
    static let estimateInterval: UInt64 = 100_000_000
    /// How many events ahead the key index is prefetched (``KeyTable/prefetch(hash:)``).
    static let prefetchDistance = 8

    init(index: Int, pipeline: Pipeline, emitScores: Bool = false) {
        self.index = index
        self.emitScores = emitScores
        self.declaredRanges = Self.ranges(of: pipeline)
        self.queue = DispatchQueue(label: "citybrain.partition.\(index)")
        self.steps = Self.steps(of: pipeline)
        let groups = Self.groups(of: pipeline)
        self.groups = groups
        self.routes = Routes(groups)
        let spread = CloseSpread(span: pipeline.watermark.closeSpread)
        self.operators = groups.map { WindowOperator($0.aggregation, spread: spread) }
        self.ruleStates = Array(repeating: RuleState(), count: pipeline.rules.count)
        self.keyTTL = pipeline.keyTTL
    }

    /// Estimates the bytes of state afresh (windows, rule states, key tables). Call on ``queue``.
    func estimateStateBytes(at now: UInt64 = SystemClock().uptimeNanoseconds) -> Int {
        let bytes = operators.reduce(sensors.byteCount + districts.byteCount) { $0 + $1.byteCount }
            + ruleStates.reduce(0) { $0 + $1.byteCount }
        estimate = (bytes, now)
        return bytes
    }

    /// Processes one batch in order. Call on ``queue``.
    func process(_ batch: PartitionBatch) -> PartitionResult {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(queue))
        #endif
        var result = PartitionResult()
        if let pipeline = batch.reconfigure { reconfigure(pipeline, clock: batch.clock, into: &result.records) }
        if let ownership = batch.release { release(notOwnedBy: ownership, clock: batch.clock, into: &result.records) }
        let routes = self.routes  // one copy per batch: read from a local, it costs no retains per event
        // Events are read through a buffer pointer, whose subscript lends the element: the array's
        // getter copied each event (retaining its strings and readings, 1.5 % of an offline run).
        batch.source.withUnsafeBufferPointer { events in
            // The sensor's first look-up load misses the cache once the key index outgrows it;
            // fetched this many events ahead, the miss overlaps the events in between.
            for ahead in 0..<min(Self.prefetchDistance, batch.count) { sensors.prefetch(hash: batch.sensorHashes[ahead]) }
            for position in 0..<batch.count {
                if position + Self.prefetchDistance < batch.count { sensors.prefetch(hash: batch.sensorHashes[position + Self.prefetchDistance]) }
                let member = Int(batch.members[position])
                advance(to: batch.watermarks[position], clock: batch.clock, into: &result)
                let roles = batch.roles[position]
                if !declaredRanges.isEmpty, let ranges = declaredRanges[events[member].kind] {
                    var event = events[member]
                    let before = event.readings.count
                    event.readings.removeAll { reading in ranges[reading.name].map { !$0.contains(reading.value) } ?? false }
                    // Counted once per event, on the partition that owns its sensor.
                    if roles & PartitionBatch.sensorRole != 0 { result.outOfRangeReadings += before - event.readings.count }
                    handle(event, at: position, of: batch, routes: routes, into: &result)
                } else {
                    handle(events[member], at: position, of: batch, routes: routes, into: &result)
                }
            }
        }
        advance(to: batch.endWatermark, clock: batch.clock, into: &result)
        sweepSilentKeys()
        // In output order here, in parallel with the other partitions: the engine merges.
        OrderedRecord.sort(&result.records)
        result.gauges.openWindows = operators.reduce(0) { $0 + $1.openWindowCount }
        result.gauges.openAlerts = ruleStates.reduce(0) { $0 + $1.open.count }
        let now = SystemClock().uptimeNanoseconds
        result.gauges.stateBytes = now &- estimate.at >= Self.estimateInterval || batch.checkpoint ? estimateStateBytes(at: now) : estimate.bytes
        result.gauges.keys = sensors.count + districts.count
        if batch.checkpoint {
            let start = SystemClock().uptimeNanoseconds
            result.snapshot = PartitionState(sensors: sensors, districts: districts, watermark: watermark, nextSweep: nextSweep,
                                             operators: operators.map { $0.capture() }, ruleStates: ruleStates)
            result.snapshotNanoseconds = SystemClock().uptimeNanoseconds - start
        }
        return result
    }

    /// Hands one event to the windows of every group of its kind, and records what fires.
    private func handle(_ event: Event, at position: Int, of batch: PartitionBatch, routes: Routes,
                        into result: inout PartitionResult) {
        let eventWatermark = batch.watermarks[position]
        let roles = batch.roles[position]
        let trigger = batch.positions[position]
        if roles & PartitionBatch.sensorRole != 0 { result.events += 1 }
        var dropped: [Int] = []
        // The window the first step (in step order) that dropped the event missed.
        var missed: (start: Int64, end: Int64, step: Int, lag: Int64)?
        // Each key is interned at most once per event, however many rules see it.
        var sensorKey: Int32?, districtKey: Int32?
        for slot in routes.groups(for: event.kind) {
            let index = routes.order[slot]
            let keyedBy = routes.keyedBy[index]
            guard let key = key(for: event, in: index, narrows: routes.narrows[index], keyedBy: keyedBy, roles: roles,
                                sensorHash: batch.sensorHashes[position], sensor: &sensorKey, district: &districtKey) else { continue }
            let slice = keyedBy == .sensor ? sensors.slices[Int(key)] : districts.slices[Int(key)]
            let verdict = operators[index].add(event, key: key, watermark: eventWatermark, slice: slice, trigger: trigger, into: &firings)
            if case .tooLate(let window) = verdict {
                let members = groups[index].steps
                dropped.append(contentsOf: members)
                if missed.map({ members[0] < $0.step }) ?? true {
                    missed = (window.start, window.end, members[0], operators[index].closeLag(ofSlice: slice))
                }
            }
            if let deadline = operators[index].nextDeadline, deadline < nextDeadline { nextDeadline = deadline }
            if !firings.isEmpty {
                record(firings, ofGroup: index, into: &result.records)
                firings.removeAll()
            }
        }
        if let missed {
            result.lateEvents += 1
            dropped.sort()
            result.records.append(lateRecord(event, missed: (missed.start, missed.end), lag: missed.lag, dropped: dropped, first: missed.step,
                                             watermark: eventWatermark, trigger: trigger))
        }
    }

    /// Replaces this fresh partition's state with a snapshot taken under the same pipeline.
    /// Call before the first batch.
    func restore(_ bytes: [UInt8]) throws(CheckpointError) {
        var reader = CheckpointReader(bytes)
        sensors = try reader.read()
        districts = try reader.read()

        watermark = try reader.read()
        nextSweep = try reader.read()
        let count = try reader.readCount()
        guard count == operators.count else {
            throw reader.invalid("the checkpoint holds \(count) window operators, the pipeline \(operators.count)")
        }
        for (index, windows) in operators.enumerated() {
            try windows.restore(from: &reader, slices: routes.keyedBy[index] == .sensor ? sensors.slices : districts.slices)
        }
        let states: [RuleState] = try reader.read()
        guard states.count == ruleStates.count else { throw reader.invalid("the checkpoint holds \(states.count) rule states") }
        ruleStates = states
        guard reader.isAtEnd else { throw reader.invalid("unexpected data after the partition state") }
        nextDeadline = operators.compactMap(\.nextDeadline).min() ?? .max
    }

    private static func ranges(of pipeline: Pipeline) -> [EventKind: [String: ClosedRange<Double>]] {
        pipeline.measurements.reduce(into: [:]) { ranges, declaration in
            if let range = declaration.range { ranges[declaration.kind, default: [:]][declaration.name] = range }
        }
    }

    /// Switches to `pipeline`. Windows are kept by group (``OperatorPlan``): a group with the
    /// same match, key and window as before keeps every window, with the states of the inputs
    /// it still has (an input new to it starts at the reload). A rule whose definition did not
    /// change keeps its state; a changed rule keeps its open alerts and cooldowns (the new
    /// definition resolves them or keeps them open); a removed rule resolves its open alerts.
    /// Keys stay interned.
    private func reconfigure(_ pipeline: Pipeline, clock: TriggerClock, into records: inout [OrderedRecord]) {
        declaredRanges = Self.ranges(of: pipeline)
        // By signature; operators that are never shared (silence, per-reading) by their rule's name too.
        var oldOperators: [OperatorPlan.Signature: [(name: String, windows: WindowOperator)]] = [:]
        for (index, group) in groups.enumerated() {
            oldOperators[group.signature, default: []].append((group.aggregation.name, operators[index]))
        }
        var oldRules: [String: (Rule, RuleState)] = [:]
        for (index, step) in steps.enumerated() {
            if let definition = step.rule { oldRules[step.aggregation.name] = (definition.rule, ruleStates[index]) }
        }
        let time = watermark == .min ? 0 : watermark
        let newNames = Set(pipeline.aggregations.map(\.name))
        for (name, (rule, state)) in oldRules.sorted(by: { $0.key < $1.key }) where !newNames.contains(name) {
            var state = state
            let table = rule.aggregation.keyBy == .sensor ? sensors : districts
            for alert in state.resolveAll(rule, keys: table, at: time) {
                records.append(OrderedRecord(trigger: clock.firstIndex, rank: .alert, end: time, aggregation: -1, key: alert.key, start: time, record: .alert(alert)))
            }
        }
        steps = Self.steps(of: pipeline)
        groups = Self.groups(of: pipeline)
        keyTTL = pipeline.keyTTL
        let spread = CloseSpread(span: pipeline.watermark.closeSpread)
        operators = groups.map { group in
            // Each old operator goes to one group at most: the one of its name, or else the first.
            guard var candidates = oldOperators[group.signature], !candidates.isEmpty else {
                return WindowOperator(group.aggregation, spread: spread)
            }
            let match = candidates.remove(at: candidates.firstIndex { $0.name == group.aggregation.name } ?? 0)
            oldOperators[group.signature] = candidates
            let slices = group.aggregation.keyBy == .sensor ? sensors.slices : districts.slices
            return match.windows.adopt(group.aggregation, spread: spread, slices: slices) ? match.windows : WindowOperator(group.aggregation, spread: spread)
        }
        ruleStates = []
        for step in steps {
            let aggregation = step.aggregation
            guard let definition = step.rule else { continue }
            switch oldRules[aggregation.name] {
            case let (previous, state)? where previous == definition.rule: ruleStates.append(state)
            case let (previous, state)? where previous.aggregation.keyBy == aggregation.keyBy: ruleStates.append(state.carryingAlerts())
            default: ruleStates.append(RuleState())
            }
        }
        nextDeadline = operators.compactMap(\.nextDeadline).min() ?? .max
    }

    /// The interned key of `event` for group `index`, or `nil` if that group does not
    /// take it here (another kind, another partition's role, no district). Interns into `sensor`
    /// and `district` the first time each is needed for this event.
    private func key(for event: Event, in index: Int, narrows: Bool, keyedBy: TextField, roles: UInt8, sensorHash: UInt64,
                     sensor: inout Int32?, district: inout Int32?) -> Int32? {
        // The kind matches (``Routes``); only a filter that narrows further is asked.
        if narrows, !groups[index].aggregation.filter.matches(event) { return nil }
        switch keyedBy {
        case .sensor:
            guard roles & PartitionBatch.sensorRole != 0 else { return nil }
            if sensor == nil { sensor = sensors.intern(event.sensor, hash: sensorHash, district: event.district, time: event.timestamp) }
            return sensor
        case .district:
            guard roles & PartitionBatch.districtRole != 0, let name = event.district else { return nil }
            if district == nil { district = districts.intern(name, district: name, time: event.timestamp) }
            return district
        }
    }

    /// Moves the watermark on; when windows are due, closes them (timed: the close burst).
    private func advance(to newWatermark: Int64, clock: TriggerClock, into result: inout PartitionResult) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        guard newWatermark >= nextDeadline else { return }
        let start = SystemClock().uptimeNanoseconds
        var deadline = Int64.max
        for index in operators.indices {
            let slices = routes.keyedBy[index] == .sensor ? sensors.slices : districts.slices
            operators[index].advance(to: newWatermark, clock: clock, slices: slices, into: &firings)
            deadline = min(deadline, operators[index].nextDeadline ?? .max)
            if !firings.isEmpty {
                record(firings, ofGroup: index, into: &result.records)
                firings.removeAll()
            }
        }
        nextDeadline = deadline
        result.closeNanoseconds += SystemClock().uptimeNanoseconds - start
    }

    /// Hands a group's window results to each of its members, which read their own aggregates
    /// through their slot map.
    private func record(_ firings: FiringBatch, ofGroup index: Int, into records: inout [OrderedRecord]) {
        for member in groups[index].members { record(firings, of: member.step, slots: member.slots, into: &records) }
    }

    /// Turns an aggregation's window results into alerts (rules, on-time results only) or window
    /// results (outputs); `slots` maps the aggregation's slots to the group's.
    private func record(_ firings: FiringBatch, of index: Int, slots: [Int]?, into records: inout [OrderedRecord]) {
        // By reference: a copy of the rule or aggregation would retain each of their parts, and
        // a per-reading rule comes here for every reading.
        let step = steps[index]
        let bySensor = step.aggregation.keyBy == .sensor
        let definition = step.rule
        for firing in firings.firings {
            let values = firings.values(of: firing, mappedBy: slots)
            let name = bySensor ? sensors.names[Int(firing.key)] : districts.names[Int(firing.key)]
            if let definition {
                let district = bySensor ? sensors.districts[Int(firing.key)] : districts.districts[Int(firing.key)]
                let alert: Alert?
                switch firing.kind {
                case .onTime:
                    alert = ruleStates[index].evaluate(definition.rule, values: values, key: firing.key, keyName: name,
                                                       district: district, start: firing.start, end: firing.end)
                case .silenced, .resumed:
                    alert = ruleStates[index].silence(definition.rule, resumed: firing.kind == .resumed, key: firing.key, keyName: name,
                                                      district: district, lastSeen: firing.start,
                                                      timeout: Int64(values.firstValue ?? 0), at: firing.end)
                case .reading:
                    alert = ruleStates[index].observe(definition.rule, values: values, key: firing.key, keyName: name,
                                                      district: district, previous: firing.start, at: firing.end)
                    if emitScores, let scored = ruleStates[index].lastScore {
                        let score = ReadingScore(rule: step.aggregation.name, sensor: name, district: district, ts: firing.end, value: scored.value,
                                                 expected: scored.expected, spread: scored.spread, zScore: scored.z, score: scored.score,
                                                 open: ruleStates[index].isOpen(firing.key))
                        records.append(OrderedRecord(trigger: firing.trigger, rank: .score, end: firing.end, aggregation: index, key: name,
                                                     start: firing.start, record: .score(score)))
                    }
                case .lateUpdate, .final:
                    alert = nil  // rules decide on the on-time result only
                }
                guard let alert else { continue }
                records.append(OrderedRecord(trigger: firing.trigger, rank: .alert, end: firing.end, aggregation: index, key: name,
                                             start: firing.start, record: .alert(alert)))
            } else {
                let aggregation = step.aggregation  // outputs: one copy per firing is fine (no per-reading outputs)
                let named = aggregation.slots.indices.map { Alert.NamedValue(name: aggregation.slots[$0].name, value: values[$0]) }
                let result = WindowResult(
                    output: aggregation.name, keyField: aggregation.keyBy, key: name, district: bySensor ? sensors.districts[Int(firing.key)] : nil, windowStart: firing.start, windowEnd: firing.end,
                    count: Int(values.firstValue ?? 0), values: Array(named.dropFirst()),
                    final: firing.isFinal(allowedLateness: aggregation.window.allowedLateness)
                )
                records.append(OrderedRecord(trigger: firing.trigger, rank: .window, end: firing.end, aggregation: index, key: name,
                                             start: firing.start, record: .window(result)))
            }
        }
    }

    /// A rule or output as the partition runs it, shared by reference: reaching its definition
    /// costs one retain, where a copy of a `Rule` or `Aggregation` retains each of their parts.
    private final class Step {
        let aggregation: Aggregation
        /// `nil` for a window output.
        let rule: RuleDefinition?

        final class RuleDefinition {
            let rule: Rule
            init(_ rule: Rule) { self.rule = rule }
        }

        init(_ aggregation: Aggregation, rule: Rule?) {
            self.aggregation = aggregation
            self.rule = rule.map(RuleDefinition.init)
        }
    }

    /// A window group (``OperatorPlan/Group``) as the partition runs it, shared by reference.
    private final class Group {
        /// The union of the members' inputs and aggregates.
        let aggregation: Aggregation
        let members: [OperatorPlan.Member]
        /// The members' step indices, in step order.
        let steps: [Int]

        init(_ group: OperatorPlan.Group) {
            aggregation = group.aggregation
            members = group.members
            steps = group.members.map(\.step)
        }

        var signature: OperatorPlan.Signature { OperatorPlan.Signature(of: aggregation) }
    }

    /// What the per-event loop needs of the groups, in plain arrays: which groups take each kind
    /// (in order), which of those narrow further (districts, a sensor prefix), and how each is
    /// keyed. Visiting only the groups of an event's kind, without reading their definitions,
    /// spares every other group's kind comparison and the retains of reaching it.
    private struct Routes {
        /// Each kind some group takes, with where its groups lie in ``order``. A short list
        /// searched in order: a pipeline names a handful of kinds, and comparing a kind (a small
        /// string, compared by its bits) costs less than hashing it into a dictionary (1.1 % of
        /// the live bench).
        private var byKind: [(kind: EventKind, groups: Range<Int>)] = []
        /// The group indices, kind by kind, each kind's in group order: read by position, so
        /// visiting them retains no array.
        private(set) var order: [Int] = []
        private(set) var narrows: [Bool] = []
        private(set) var keyedBy: [TextField] = []

        init(_ groups: [Group]) {
            var byKind: [(kind: EventKind, groups: [Int])] = []
            for (index, group) in groups.enumerated() {
                let filter = group.aggregation.filter
                if let known = byKind.firstIndex(where: { $0.kind == filter.kind }) {
                    byKind[known].groups.append(index)
                } else {
                    byKind.append((filter.kind, [index]))
                }
                narrows.append(filter.districts != nil || filter.sensorPrefix != nil)
                keyedBy.append(group.aggregation.keyBy)
            }
            for (kind, indices) in byKind {
                self.byKind.append((kind, order.count..<order.count + indices.count))
                order.append(contentsOf: indices)
            }
        }

        /// Where the groups whose filter takes events of `kind` lie in ``order``.
        func groups(for kind: EventKind) -> Range<Int> {
            for entry in byKind where entry.kind == kind { return entry.groups }
            return 0..<0
        }
    }

    /// Rules first, then outputs, as ``Pipeline/aggregations`` orders them.
    private static func steps(of pipeline: Pipeline) -> [Step] {
        pipeline.rules.map { Step($0.aggregation, rule: $0) } + pipeline.outputs.map { Step($0.aggregation, rule: nil) }
    }

    private static func groups(of pipeline: Pipeline) -> [Group] {
        OperatorPlan(pipeline.aggregations).groups.map(Group.init)
    }

    /// The record of an event too late for every window it was for; `lag` is its key's close lag
    /// in the window it missed (``CloseSpread``).
    private func lateRecord(_ event: Event, missed: (start: Int64, end: Int64), lag: Int64, dropped: [Int], first: Int, watermark: Int64,
                            trigger: Int64) -> OrderedRecord {
        let aggregation = steps[first].aggregation
        let behind = Double(watermark - event.timestamp) / 1000
        let spread = lag > 0 ? ", closing \(DurationText.format(lag)) after the watermark for this key (close_spread)" : ""
        let reason = """
            window [\(EventTime.iso8601(missed.start)), \(EventTime.iso8601(missed.end))) of \(aggregation.name) closed at watermark \
            \(EventTime.iso8601(watermark)) (allowed lateness \(DurationText.format(aggregation.window.allowedLateness))\(spread)); \
            the event is \(behind) s behind the watermark
            """
        let late = LateEvent(event: event, reason: reason, droppedBy: dropped.map { steps[$0].aggregation.name }, watermark: watermark)
        return OrderedRecord(trigger: trigger, rank: .late, end: missed.end, aggregation: first, key: event.sensor, start: missed.start, record: .late(late))
    }

    /// Gives up the keys `ownership` no longer assigns here: their open alerts are resolved (with
    /// the reason), their windows dropped unfired, silence deadlines and rule state forgotten,
    /// their ids freed. A shard whose plan changed then neither reports the sensors it stopped
    /// receiving as silent nor keeps their alerts open for ever.
    private func release(notOwnedBy ownership: KeyOwnership, clock: TriggerClock, into records: inout [OrderedRecord]) {
        let time = watermark == .min ? 0 : watermark
        for field in [TextField.sensor, .district] {
            let table = field == .sensor ? sensors : districts
            var released = Set<Int32>()
            for (index, name) in table.names.enumerated() where !name.isEmpty {
                let owned = field == .sensor ? ownership.ownsSensor(name, table.districts[index]) : ownership.ownsDistrict(name)
                if !owned { released.insert(Int32(index)) }
            }
            guard !released.isEmpty else { continue }
            for (index, group) in groups.enumerated() where group.aggregation.keyBy == field {
                operators[index].forget(released)
            }
            for (index, step) in steps.enumerated() where step.aggregation.keyBy == field {
                guard let definition = step.rule else { continue }
                for alert in ruleStates[index].release(released, definition.rule, table: table, at: time, reason: ownership.reason) {
                    records.append(OrderedRecord(trigger: clock.firstIndex, rank: .alert, end: time, aggregation: index, key: alert.key,
                                                 start: time, record: .alert(alert)))
                }
            }
            for key in released {
                if field == .sensor { sensors.remove(key) } else { districts.remove(key) }
            }
        }
        nextDeadline = operators.compactMap(\.nextDeadline).min() ?? .max
    }

    /// Releases keys silent for the TTL that hold no window and no open alert.
    private func sweepSilentKeys() {
        // No sweep before the first event (watermark .min: a reload may come first) or at the end.
        guard let keyTTL, watermark != .min, watermark != .max, watermark >= nextSweep else { return }
        nextSweep = watermark + max(1, keyTTL / 4)
        let cutoff = watermark - keyTTL
        for key in sensors.silent(since: cutoff) where !holdsState(key, keyedBy: .sensor) {
            release(key, keyedBy: .sensor)
            sensors.remove(key)
        }
        for key in districts.silent(since: cutoff) where !holdsState(key, keyedBy: .district) {
            release(key, keyedBy: .district)
            districts.remove(key)
        }
        sensors.compactIfSparse()
        districts.compactIfSparse()
        for index in operators.indices { operators[index].compactIfSparse() }
    }

    private func holdsState(_ key: Int32, keyedBy field: TextField) -> Bool {
        for (index, group) in groups.enumerated() where group.aggregation.keyBy == field {
            if operators[index].hasState(for: key) { return true }
        }
        for (index, step) in steps.enumerated() where step.aggregation.keyBy == field {
            if step.rule != nil, ruleStates[index].isOpen(key) { return true }
        }
        return false
    }

    private func release(_ key: Int32, keyedBy field: TextField) {
        for index in ruleStates.indices where steps[index].aggregation.keyBy == field { ruleStates[index].forget(key) }
    }
}
