/// Works on the merged, ordered alert stream (in the engine's ordered merge, one batch at a time): correlation
/// rules across keys within a district, member suppression, and per-department storm grouping.
///
/// Alerts are taken in groups that share an input position and event time: everything one
/// watermark step produced at one instant. So "three stations breaching together" is seen as one
/// event, and the output depends only on the input, like the rest of the engine.
struct AlertCorrelator {
    private let correlations: [CorrelationRule]
    /// The rules some correlation is made of: only their alerts are booked as members.
    private let correlationMemberRules: Set<String>
    private let storms: [String: StormPolicy]
    /// The policy of a department without its own.
    private let defaultStorm: StormPolicy?

    // What the correlator remembers. Module-internal only so that the checkpoint coding
    // (Checkpoint/AlertCorrelator+Checkpoint.swift) can write and restore it.

    /// Open alerts of correlation members: rule → district → alert id → sensor.
    var members: [String: [String: [String: String]]] = [:]
    /// Open correlation alerts: correlation index → district → (id, sensors).
    var open: [Int: [String: (id: String, sensors: [String])]] = [:]
    /// Alerts withheld from publication (suppressed members, storm-folded); their later updates
    /// and resolves are withheld too.
    var withheld: Set<String> = []
    /// Raised alerts per department in the current storm bucket.
    var raisedInBucket: [String: (bucket: Int64, count: Int)] = [:]
    var openStorms: [String: (id: String, bucket: Int64, sensors: [String], severity: Severity, kind: EventKind)] = [:]
    /// Event time of the latest alert seen.
    var latest: Int64 = .min

    /// Open-alert caps by rule (`max_open`).
    private let caps: [String: Int]
    /// Published open alerts of capped rules: rule → ids.
    var openCapped: [String: Set<String>] = [:]
    /// Raises over a rule's cap, folded into one grouped alert per rule: rule → (id, alert id → sensor).
    var overCap: [String: (id: String, members: [String: String])] = [:]

    init(correlations: [CorrelationRule], storms: [String: StormPolicy], defaultStorm: StormPolicy? = nil, caps: [String: Int] = [:]) {
        self.correlations = correlations
        self.correlationMemberRules = Set(correlations.flatMap(\.members))
        self.storms = storms
        self.defaultStorm = defaultStorm
        self.caps = caps
    }

    /// The correlator for `pipeline`: its correlations, storm limits and open-alert caps.
    init(_ pipeline: Pipeline) {
        self.init(correlations: pipeline.correlations, storms: pipeline.departments, defaultStorm: pipeline.defaultStorm,
                  caps: pipeline.openAlertCaps)
    }

    var isActive: Bool { !correlations.isEmpty || !storms.isEmpty || defaultStorm != nil || !caps.isEmpty }

    private func stormPolicy(_ department: String) -> StormPolicy? { storms[department] ?? defaultStorm }

    /// Processes one batch of ordered records, each with the input position that caused it.
    /// Derived alerts (correlations, storms) take the position of the last alert of their instant.
    ///
    /// Alerts are moved, not copied, from step to step of an instant and into the result: an
    /// alert holds a dozen strings and arrays, and each copy retained every one of them (a
    /// quarter of the correlator's time, spent where no partition can take its next batch).
    /// Lists are taken from their end (`popLast` moves), so each is reversed first. One copy is
    /// left: taking an alert out of its record (`case .alert(let alert)`) copies it.
    mutating func process(_ batch: consuming OutputBatch) -> OutputBatch {
        guard isActive else { return batch }
        var (records, triggers) = batch.takeAll()
        records.reverseByMoving()
        triggers.reverse()
        var result = OutputBatch()
        result.reserveCapacity(records.count)
        // Reused from group to group: a batch may hold many instants (each silence of a sensor
        // is one), so nothing here allocates per instant.
        var scratch = Scratch()
        while let record = records.popLast() {
            var trigger = triggers.removeLast()
            switch consume record {
            case .alert(let first):
                let time = first.ts
                scratch.group.append(first)
                // The next record read in place (`last` would copy it).
                while !records.isEmpty, records[records.count - 1].alertTime == time, case .alert(let alert)? = records.popLast() {
                    scratch.group.append(alert)
                    trigger = triggers.removeLast()
                }
                processGroup(&scratch, into: &result, trigger: trigger)
            case let other:
                result.append(other, trigger: trigger)
            }
        }
        return result
    }

    /// Buffers one call of ``process(_:)`` reuses for each instant's group.
    private struct Scratch {
        /// The alerts of the instant.
        var group: [Alert] = []
        /// Those not withheld.
        var published: [Alert] = []
        /// What goes out, in order; a slot left `nil` was taken back (an earlier storm alert of the instant).
        var slots: [Alert?] = []
        /// Departments whose storm changed in the instant: where its alert goes, the time of its
        /// last fold, whether it began now, and its size before the instant.
        var stormChanges: [(department: String, slot: Int, time: Int64, raisedNow: Bool, sizeBefore: Int)] = []
    }

    /// Ends a bounded stream: closes storms still open, at the latest alert's time.
    mutating func finish() -> [OutputRecord] {
        let time = latest
        return openStorms.keys.sorted().compactMap { department in resolveStorm(department, at: time).map(OutputRecord.alert) }
    }

    /// Takes the instant's alerts out of `scratch.group` (leaving it empty) and appends what they
    /// publish to `output`.
    private mutating func processGroup(_ scratch: inout Scratch, into output: inout OutputBatch, trigger: Int64) {
        let time = scratch.group[0].ts
        latest = max(latest, time)
        // 1. Member bookkeeping for every alert of the instant (read in place).
        var touched: [String: Set<String>] = [:]  // rule → districts
        if !correlationMemberRules.isEmpty {
            for index in scratch.group.indices where correlationMemberRules.contains(scratch.group[index].rule) {
                let alert = scratch.group[index]
                guard let district = alert.district else { continue }
                switch alert.state {
                case .raised: members[alert.rule, default: [:]][district, default: [:]][alert.id] = alert.sensor ?? alert.key
                case .resolved: members[alert.rule]?[district]?[alert.id] = nil
                case .updated, .acknowledged, .assigned, .escalated: break
                }
                touched[alert.rule, default: []].insert(district)
            }
        }
        // 2. Correlations over the districts that changed.
        var derived: [Alert] = []
        for (position, correlation) in correlations.enumerated() {
            let districts = correlation.members.reduce(into: Set<String>()) { $0.formUnion(touched[$1] ?? []) }
            for district in districts.sorted() {
                if let alert = evaluate(position, correlation, district: district, at: time) { derived.append(alert) }
            }
        }
        // 3. Suppressed members: raises folded into an open district alert are withheld.
        scratch.group.reverseByMoving()
        while let alert = scratch.group.popLast() {
            // One lookup: a withheld alert's resolve also ends its withholding.
            if alert.state == .resolved ? withheld.remove(alert.id) != nil : withheld.contains(alert.id) { continue }
            if alert.state == .raised, let district = alert.district, isSuppressed(rule: alert.rule, district: district) {
                withheld.insert(alert.id)
                continue
            }
            scratch.published.append(alert)
        }
        // 4. Caps on a rule's open alerts, then storms per department, over rule and correlation
        // alerts alike.
        var alerts: [Alert] = []
        swap(&alerts, &scratch.published)
        // Alerts of the group that got here are not withheld (filtered just above); grouped and
        // derived alerts may be, by a storm.
        let mayBeWithheld = !caps.isEmpty || !derived.isEmpty
        if mayBeWithheld { alerts = applyCaps(alerts) + derived }
        applyStorms(&alerts, mayBeWithheld: mayBeWithheld, scratch: &scratch, into: &output, trigger: trigger)
        swap(&alerts, &scratch.published)  // empty again; its capacity kept for the next instant
    }

    /// A raise of a capped rule while `max_open` of its alerts are open is folded into one
    /// grouped alert of the rule (key `grouped`), updated as members come and go and resolved
    /// when the last of them resolves; the members' own records are withheld. However many
    /// members change in one instant, the grouped alert is written once, where its last change
    /// falls, and only when the group began or its size crossed a power of two
    /// (``sizeChangedEnough(from:to:)``): folding is linear in the alerts, and a group of n
    /// members is announced about log₂ n times, not once per instant.
    private mutating func applyCaps(_ alerts: [Alert]) -> [Alert] {
        guard !caps.isEmpty else { return alerts }
        let sizesBefore = overCap.mapValues { $0.members.count }
        var result: [Alert?] = []
        result.reserveCapacity(alerts.count)
        // Capped rule → where its grouped alert goes, the member that last changed it, and whether it began now.
        var changed: [String: (slot: Int, member: Alert, raisedNow: Bool)] = [:]
        func mark(_ rule: String, _ member: Alert, raised: Bool) {
            let earlier = changed[rule]
            if let earlier { result[earlier.slot] = nil }
            changed[rule] = (result.count, member, raised || (earlier?.raisedNow ?? false))
            result.append(nil)
        }
        for alert in alerts {
            guard let cap = caps[alert.rule] else {
                result.append(alert)
                continue
            }
            if overCap[alert.rule]?.members[alert.id] != nil {
                guard alert.state == .resolved else { continue }  // a member's updates are withheld
                overCap[alert.rule]!.members[alert.id] = nil  // in place, not a copy per member
                if overCap[alert.rule]!.members.isEmpty {
                    let id = overCap.removeValue(forKey: alert.rule)!.id
                    if let earlier = changed.removeValue(forKey: alert.rule) { result[earlier.slot] = nil }
                    result.append(cappedAlert(alert, id: id, members: [:], cap: cap, state: .resolved))
                } else {
                    mark(alert.rule, alert, raised: false)
                }
                continue
            }
            switch alert.state {
            case .raised where openCapped[alert.rule, default: []].count >= cap:
                if overCap[alert.rule] == nil { overCap[alert.rule] = ("\(alert.rule):grouped:\(alert.ts)", [:]) }
                overCap[alert.rule]!.members[alert.id] = alert.sensor ?? alert.key
                mark(alert.rule, alert, raised: overCap[alert.rule]!.members.count == 1)
            case .raised:
                openCapped[alert.rule, default: []].insert(alert.id)
                result.append(alert)
            case .resolved:
                openCapped[alert.rule]?.remove(alert.id)
                result.append(alert)
            default:
                result.append(alert)
            }
        }
        for (rule, change) in changed {
            guard let group = overCap[rule], let cap = caps[rule] else { continue }
            guard change.raisedNow || Self.sizeChangedEnough(from: sizesBefore[rule] ?? 0, to: group.members.count) else { continue }
            result[change.slot] = cappedAlert(change.member, id: group.id, members: group.members, cap: cap,
                                              state: change.raisedNow ? .raised : .updated)
        }
        return result.compactMap { $0 }
    }

    /// Whether a group's size moved into another power-of-two band (1, 2–3, 4–7, 8–15, …): the
    /// changes worth an update of a grouped alert.
    static func sizeChangedEnough(from old: Int, to new: Int) -> Bool {
        let band = { (size: Int) in Int.bitWidth - size.leadingZeroBitCount }
        return band(old) != band(new)
    }

    /// How many sensor names a grouped alert's `sensors` field lists (sorted, the first ones);
    /// its value and `grouped_alerts` count every member.
    static let listedSensors = 1_000

    /// The distinct names, sorted, at most ``listedSensors`` of them, and how many there are.
    /// Those listed are picked in one pass (a name not below the largest kept is passed over):
    /// sorting every name of a storm of 100 000 alerts, each time its alert was written, cost
    /// about a tenth of the storm handling's CPU.
    static func listed(_ names: [String]) -> (names: [String], distinct: Int) {
        let distinct = Set(names)
        var smallest: [String] = []
        smallest.reserveCapacity(listedSensors + 1)
        for name in distinct where smallest.count < listedSensors || name < smallest[smallest.count - 1] {
            var low = 0, high = smallest.count  // the first kept name above `name`
            while low < high {
                let middle = (low + high) / 2
                if smallest[middle] < name { low = middle + 1 } else { high = middle }
            }
            smallest.insert(name, at: low)
            if smallest.count > listedSensors { smallest.removeLast() }
        }
        return (smallest, distinct.count)
    }

    private func cappedAlert(_ member: Alert, id: String, members: [String: String], cap: Int, state: AlertState) -> Alert {
        let (sensors, distinct) = Self.listed(Array(members.values))
        let message = state == .resolved
            ? "\(member.rule): the alerts grouped over its limit of \(cap) open have resolved"
            : "\(member.rule): \(distinct) more alert(s) beyond its limit of \(cap) open: \(Self.list(sensors, total: distinct))"
        return Alert(
            id: id, rule: member.rule, state: state, severity: member.severity, department: member.department,
            key: "grouped", sensor: nil, district: nil, kind: member.kind, windowStart: member.windowStart, windowEnd: member.windowEnd,
            value: Double(distinct), threshold: Double(cap), values: [.init(name: "grouped_alerts", value: Double(distinct))],
            message: message, sensors: sensors, ts: member.ts
        )
    }

    private func isSuppressed(rule: String, district: String) -> Bool {
        correlations.indices.contains { index in
            correlations[index].suppressMembers && correlations[index].members.contains(rule) && open[index]?[district] != nil
        }
    }

    private mutating func evaluate(_ index: Int, _ correlation: CorrelationRule, district: String, at time: Int64) -> Alert? {
        let involved: [String]
        let holds: Bool
        switch correlation.pattern {
        case .allOf(let rules):
            holds = rules.allSatisfy { !(members[$0]?[district]?.isEmpty ?? true) }
            involved = rules.flatMap { members[$0]?[district]?.values.map { $0 } ?? [] }
        case .atLeast(let count, let rule):
            involved = members[rule]?[district]?.values.map { $0 } ?? []
            holds = involved.count >= count
        }
        let sensors = Array(Set(involved)).sorted()
        let current = open[index]?[district]
        let state: AlertState
        let id: String
        switch (holds, current) {
        case (true, nil):
            state = .raised
            id = "\(correlation.name):\(district):\(time)"
            open[index, default: [:]][district] = (id, sensors)
        case (true, let existing?):
            guard existing.sensors != sensors else { return nil }
            state = .updated
            id = existing.id
            open[index]?[district] = (id, sensors)
        case (false, let existing?):
            state = .resolved
            id = existing.id
            open[index]?[district] = nil
        case (false, nil):
            return nil
        }
        let threshold: Double? = if case .atLeast(let count, _) = correlation.pattern { Double(count) } else { nil }
        var alert = Alert(
            id: id, rule: correlation.name, state: state, severity: correlation.severity, department: correlation.department,
            key: district, sensor: nil, district: district, kind: .traffic, windowStart: time, windowEnd: time,
            value: Double(sensors.count), threshold: threshold, values: [.init(name: "sensors", value: Double(sensors.count))],
            message: "", sensors: sensors, ts: time
        )
        alert.message = (state == .resolved ? correlation.resolveMessage : correlation.message).render(alert: alert, values: [])
        return alert
    }

    /// Takes the alerts out of `alerts` (leaving it empty) and appends what they publish to `output`.
    private mutating func applyStorms(_ alerts: inout [Alert], mayBeWithheld: Bool, scratch: inout Scratch, into output: inout OutputBatch,
                                      trigger: Int64) {
        alerts.reverseByMoving()
        guard !storms.isEmpty || defaultStorm != nil else {
            while let alert = alerts.popLast() { output.append(.alert(alert), trigger: trigger) }
            return
        }
        scratch.stormChanges.removeAll(keepingCapacity: true)
        // Once a raise of this instant is folded, a later alert of the instant may be its update.
        var checksWithheld = mayBeWithheld
        func place(_ department: String) {
            guard let index = scratch.stormChanges.firstIndex(where: { $0.department == department }) else { return }
            let change = scratch.stormChanges.remove(at: index)
            guard let policy = stormPolicy(department), let storm = openStorms[department] else { return }
            // An update only when the storm's size crossed a power of two: about log₂ n updates for n alerts.
            guard change.raisedNow || Self.sizeChangedEnough(from: change.sizeBefore, to: storm.sensors.count) else { return }
            scratch.slots[change.slot] = stormAlert(department, state: change.raisedNow ? .raised : .updated, policy: policy, at: change.time)
        }
        while let alert = alerts.popLast() {
            guard let policy = stormPolicy(alert.department) else {
                scratch.slots.append(alert)
                continue
            }
            let bucket = alert.ts.floored(toMultipleOf: policy.window)
            if let storm = openStorms.index(forKey: alert.department), openStorms.values[storm].bucket < bucket {
                place(alert.department)
                scratch.slots.append(resolveStorm(alert.department, at: bucket))
            }
            if checksWithheld, alert.state == .resolved ? withheld.remove(alert.id) != nil : withheld.contains(alert.id) { continue }
            guard alert.state == .raised else {
                scratch.slots.append(alert)
                continue
            }
            let raised = Self.count(in: &raisedInBucket[alert.department, default: (bucket, 0)], bucket: bucket)
            guard raised > policy.limit else {
                scratch.slots.append(alert)
                continue
            }
            withheld.insert(alert.id)
            checksWithheld = true
            let (began, sizeBefore) = fold(alert, into: alert.department, bucket: bucket)
            let slot = scratch.slots.count
            scratch.slots.append(nil)
            if let index = scratch.stormChanges.firstIndex(where: { $0.department == alert.department }) {
                // The instant's storm alert moves to where its last fold falls.
                scratch.slots[scratch.stormChanges[index].slot] = nil
                scratch.stormChanges[index].slot = slot
                scratch.stormChanges[index].time = alert.ts
                scratch.stormChanges[index].raisedNow = scratch.stormChanges[index].raisedNow || began
            } else {
                scratch.stormChanges.append((alert.department, slot, alert.ts, began, sizeBefore))
            }
        }
        // One storm alert per department per instant, where its last fold falls: it lists
        // everything, and is a raise if the storm began in this instant.
        while let department = scratch.stormChanges.last?.department { place(department) }
        scratch.slots.reverseByMoving()
        while let slot = scratch.slots.popLast() {
            if let alert = slot { output.append(.alert(alert), trigger: trigger) }
        }
    }

    static let stormRule = "storm"

    /// Names for a message: all of them up to 20, else the first 20 and how many more of
    /// `total` (default: all the names given).
    static func list(_ names: [String], total: Int? = nil) -> String {
        let shown = 20
        let total = total ?? names.count
        guard total > shown else { return names.prefix(shown).joined(separator: ", ") }
        return names.prefix(shown).joined(separator: ", ") + " and \(total - shown) more"
    }

    /// Counts a raise in its department's bucket (starting over in a new bucket); returns the
    /// bucket's count with it. Changed in place: one lookup per raise.
    private static func count(in counter: inout (bucket: Int64, count: Int), bucket: Int64) -> Int {
        if counter.bucket != bucket { counter = (bucket, 0) }
        counter.count += 1
        return counter.count
    }

    /// Adds a withheld raise to its department's storm; returns whether the storm began with it,
    /// and how many it grouped before.
    private mutating func fold(_ alert: Alert, into department: String, bucket: Int64) -> (began: Bool, sizeBefore: Int) {
        let sensor = alert.sensor ?? alert.key
        if let storm = openStorms.index(forKey: department) {
            // In place, through the index (one lookup): a copy of the list per fold would make a
            // storm quadratic.
            let sizeBefore = openStorms.values[storm].sensors.count
            openStorms.values[storm].sensors.append(sensor)
            openStorms.values[storm].severity = max(openStorms.values[storm].severity, alert.severity)
            return (false, sizeBefore)
        }
        openStorms[department] = ("\(Self.stormRule):\(department):\(bucket)", bucket, [sensor], alert.severity, alert.kind)
        return (true, 0)
    }

    private mutating func resolveStorm(_ department: String, at time: Int64) -> Alert? {
        guard let policy = stormPolicy(department), openStorms[department] != nil else { return nil }
        let alert = stormAlert(department, state: .resolved, policy: policy, at: time)
        openStorms[department] = nil
        return alert
    }

    private func stormAlert(_ department: String, state: AlertState, policy: StormPolicy, at time: Int64) -> Alert {
        let storm = openStorms[department]!
        let (sensors, distinct) = Self.listed(storm.sensors)
        let message = state == .resolved
            ? "Alert storm for \(department) is over: \(storm.sensors.count) alert(s) were grouped"
            : "Alert storm for \(department): more than \(policy.limit) alerts in \(DurationText.format(policy.window)); \(storm.sensors.count) more grouped here: \(Self.list(sensors, total: distinct))"
        return Alert(
            id: storm.id, rule: Self.stormRule, state: state, severity: storm.severity, department: department,
            key: department, sensor: nil, district: nil, kind: storm.kind, windowStart: storm.bucket, windowEnd: storm.bucket + policy.window,
            value: Double(storm.sensors.count), threshold: Double(policy.limit), values: [.init(name: "grouped_alerts", value: Double(storm.sensors.count))],
            message: message, sensors: sensors, ts: time
        )
    }
}
