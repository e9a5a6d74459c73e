import HeapModule

/// One rule's live state inside one partition: open windows, their close schedule, and the
/// alert lifecycle per key.
///
/// Storage is flat: each open window owns `width` consecutive ``Accumulator``s in `storage`,
/// found through `windows`; a closed window's slots are reset and reused at once, so memory
/// follows the number of open windows, not the history.
struct RuleInstance {
    let rule: Rule
    private let width: Int
    private var windows: [WindowKey: Int32] = [:]
    private var storage: [Accumulator] = []
    private var freeBases: [Int32] = []
    /// Distinct window ends with open windows; the smallest closes first.
    private var ends = Heap<Int64>()
    private var keysByEnd: [Int64: [Int32]] = [:]
    /// Open alerts by key: the lifecycle id shared by the raise and the resolve.
    private var openAlerts: [Int32: String] = [:]

    init(rule: Rule) {
        self.rule = rule
        self.width = rule.inputs.count
    }

    var openWindowCount: Int { windows.count }
    var openAlertCount: Int { openAlerts.count }
    /// The next window end that will close, if any.
    var nextEnd: Int64? { ends.min }

    /// Adds `event` (already matched by the rule's filter) to its window.
    /// Returns `false` if that window already closed: the event is late and dropped.
    mutating func add(_ event: Event, key: Int32, watermark: Int64) -> Bool {
        let start = rule.window.start(containing: event.timestamp)
        let end = start + rule.window.size
        guard end > watermark else { return false }
        let windowKey = WindowKey(key: key, start: start)
        let base: Int
        if let existing = windows[windowKey] {
            base = Int(existing)
        } else {
            base = allocate()
            windows[windowKey] = Int32(base)
            if keysByEnd[end] == nil { ends.insert(end) }
            keysByEnd[end, default: []].append(key)
        }
        for input in 0..<width {
            if let expression = rule.inputs[input] {
                if let value = expression.evaluate(event) { storage[base + input].add(value) }
            } else {
                storage[base + input].add(1)
            }
        }
        return true
    }

    private mutating func allocate() -> Int {
        if let reused = freeBases.popLast() { return Int(reused) }
        let base = storage.count
        storage.append(contentsOf: repeatElement(Accumulator(), count: width))
        return base
    }

    /// Closes every window whose end is at or before `watermark`, evaluating the rule for each
    /// and appending the alerts whose state changed.
    mutating func close(upTo watermark: Int64, keys: KeyTable, into alerts: inout [Alert]) {
        while let end = ends.min, end <= watermark {
            ends.removeMin()
            guard let closing = keysByEnd.removeValue(forKey: end) else { continue }
            let start = end - rule.window.size
            for key in closing {
                guard let base = windows.removeValue(forKey: WindowKey(key: key, start: start)).map(Int.init) else { continue }
                let values = storage.withUnsafeBufferPointer { buffer in
                    rule.slotValues(UnsafeBufferPointer(rebasing: buffer[base..<(base + width)]))
                }
                for input in 0..<width { storage[base + input] = Accumulator() }
                freeBases.append(Int32(base))
                if let alert = evaluate(values, key: key, keys: keys, start: start, end: end) { alerts.append(alert) }
            }
        }
    }

    /// The alert lifecycle step for one closed window.
    private mutating func evaluate(_ values: [Double?], key: Int32, keys: KeyTable, start: Int64, end: Int64) -> Alert? {
        let state: AlertState
        let id: String
        if let open = openAlerts[key] {
            guard rule.clears(values) else { return nil }
            openAlerts[key] = nil
            state = .resolved
            id = open
        } else {
            guard rule.condition.evaluate(values) else { return nil }
            state = .raised
            id = "\(rule.name):\(keys.sensors[Int(key)]):\(end)"
            openAlerts[key] = id
        }
        let sensor = keys.sensors[Int(key)]
        let comparison = rule.condition.primaryComparison
        var alert = Alert(
            id: id, rule: rule.name, state: state, severity: rule.severity, department: rule.department,
            key: sensor, sensor: sensor, district: keys.districts[Int(key)], kind: rule.filter.kind,
            windowStart: start, windowEnd: end,
            value: comparison?.value.evaluate(values), threshold: comparison?.threshold.evaluate(values),
            values: zip(rule.slots, values).map { Alert.NamedValue(name: $0.name, value: $1) },
            message: "", ts: end
        )
        alert.message = (state == .resolved ? rule.resolveMessage : rule.message).render(alert: alert, values: values)
        return alert
    }
}
