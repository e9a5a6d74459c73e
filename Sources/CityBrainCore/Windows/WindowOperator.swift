/// One aggregation's windows in one partition, whatever their kind.
enum WindowOperator {
    case panes(PaneWindowOperator)
    case sessions(SessionWindowOperator)
    case silence(SilenceTracker)

    init(_ aggregation: Aggregation) {
        let lateness = aggregation.window.allowedLateness
        switch aggregation.window.spec {
        case .tumbling(let size):
            self = .panes(PaneWindowOperator(size: size, slide: size, lateness: lateness, layouts: aggregation.inputs))
        case .sliding(let size, let slide):
            self = .panes(PaneWindowOperator(size: size, slide: slide, lateness: lateness, layouts: aggregation.inputs))
        case .session(let gap, let maxLength):
            self = .sessions(SessionWindowOperator(gap: gap, maxLength: maxLength, lateness: lateness, layouts: aggregation.inputs))
        case .silence(let after):
            self = .silence(SilenceTracker(after: after))
        }
    }

    mutating func add(_ event: Event, key: Int32, watermark: Int64, trigger: Int64, aggregation: Aggregation, into firings: inout [WindowFiring]) -> LateVerdict {
        switch self {
        case .panes(var windows):
            self = .panes(PaneWindowOperator.placeholder)
            defer { self = .panes(windows) }
            return windows.add(event, key: key, watermark: watermark, trigger: trigger, aggregation: aggregation, into: &firings)
        case .sessions(var windows):
            self = .sessions(SessionWindowOperator.placeholder)
            defer { self = .sessions(windows) }
            return windows.add(event, key: key, watermark: watermark, trigger: trigger, aggregation: aggregation, into: &firings)
        case .silence(var tracker):
            self = .silence(SilenceTracker(after: 0))
            tracker.add(event, key: key, trigger: trigger, into: &firings)
            self = .silence(tracker)
            return .accepted
        }
    }

    mutating func advance(to watermark: Int64, clock: TriggerClock, aggregation: Aggregation, into firings: inout [WindowFiring]) {
        switch self {
        case .panes(var windows):
            self = .panes(PaneWindowOperator.placeholder)
            windows.advance(to: watermark, clock: clock, aggregation: aggregation, into: &firings)
            self = .panes(windows)
        case .sessions(var windows):
            self = .sessions(SessionWindowOperator.placeholder)
            windows.advance(to: watermark, clock: clock, aggregation: aggregation, into: &firings)
            self = .sessions(windows)
        case .silence(var tracker):
            self = .silence(SilenceTracker(after: 0))
            tracker.advance(to: watermark, clock: clock, into: &firings)
            self = .silence(tracker)
        }
    }

    mutating func compactIfSparse() {
        switch self {
        case .panes(var windows):
            self = .panes(PaneWindowOperator.placeholder)
            windows.compactIfSparse()
            self = .panes(windows)
        case .sessions(var windows):
            self = .sessions(SessionWindowOperator.placeholder)
            windows.compactIfSparse()
            self = .sessions(windows)
        case .silence:
            break
        }
    }

    var nextDeadline: Int64? {
        switch self {
        case .panes(let windows): windows.nextDeadline
        case .sessions(let windows): windows.nextDeadline
        case .silence(let tracker): tracker.nextDeadline
        }
    }

    var openWindowCount: Int {
        switch self {
        case .panes(let windows): windows.openWindowCount
        case .sessions(let windows): windows.openWindowCount
        case .silence: 0
        }
    }

    var byteCount: Int {
        switch self {
        case .panes(let windows): windows.byteCount
        case .sessions(let windows): windows.byteCount
        case .silence(let tracker): tracker.byteCount
        }
    }

    func hasState(for key: Int32) -> Bool {
        switch self {
        case .panes(let windows): windows.hasState(for: key)
        case .sessions(let windows): windows.hasState(for: key)
        case .silence(let tracker): tracker.hasState(for: key)
        }
    }
}

extension PaneWindowOperator {
    /// An empty stand-in, swapped into the enum while the real one is mutated, so the real one
    /// stays uniquely referenced (no copy of its dictionaries).
    static let placeholder = PaneWindowOperator(size: 1, slide: 1, lateness: 0, layouts: [])
}

extension SessionWindowOperator {
    static let placeholder = SessionWindowOperator(gap: 1, maxLength: nil, lateness: 0, layouts: [])
}
