/// One aggregation's windows in one partition, whatever their kind.
enum WindowOperator {
    case panes(PaneWindowOperator)
    case sessions(SessionWindowOperator)

    init(_ aggregation: Aggregation) {
        let lateness = aggregation.window.allowedLateness
        switch aggregation.window.spec {
        case .tumbling(let size):
            self = .panes(PaneWindowOperator(size: size, slide: size, lateness: lateness, layouts: aggregation.inputs))
        case .sliding(let size, let slide):
            self = .panes(PaneWindowOperator(size: size, slide: slide, lateness: lateness, layouts: aggregation.inputs))
        case .session(let gap, let maxLength):
            self = .sessions(SessionWindowOperator(gap: gap, maxLength: maxLength, lateness: lateness, layouts: aggregation.inputs))
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
        }
    }

    var nextDeadline: Int64? {
        switch self {
        case .panes(let windows): windows.nextDeadline
        case .sessions(let windows): windows.nextDeadline
        }
    }

    var openWindowCount: Int {
        switch self {
        case .panes(let windows): windows.openWindowCount
        case .sessions(let windows): windows.openWindowCount
        }
    }

    var byteCount: Int {
        switch self {
        case .panes(let windows): windows.byteCount
        case .sessions(let windows): windows.byteCount
        }
    }

    func hasState(for key: Int32) -> Bool {
        switch self {
        case .panes(let windows): windows.hasState(for: key)
        case .sessions(let windows): windows.hasState(for: key)
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
