/// One aggregation's windows in one partition, whatever their kind. Each case holds a class that
/// owns its state and its aggregation, so calls mutate in place.
enum WindowOperator {
    case panes(PaneWindowOperator)
    case sessions(SessionWindowOperator)
    case silence(SilenceTracker)
    case series(SeriesOperator)

    /// An operator for `aggregation`; tumbling and sliding windows close spread by `spread`
    /// (sessions, silence and per-reading series close key by key and take no spread).
    init(_ aggregation: Aggregation, spread: CloseSpread = .none) {
        switch aggregation.window.spec {
        case .tumbling(let size):
            self = .panes(PaneWindowOperator(size: size, slide: size, aggregation: aggregation, spread: spread))
        case .sliding(let size, let slide):
            self = .panes(PaneWindowOperator(size: size, slide: slide, aggregation: aggregation, spread: spread))
        case .session(let gap, let maxLength):
            self = .sessions(SessionWindowOperator(gap: gap, maxLength: maxLength, aggregation: aggregation))
        case .silence(let timeout):
            self = .silence(SilenceTracker(timeout: timeout))
        case .series:
            self = .series(SeriesOperator(aggregation: aggregation))
        }
    }

    /// Adds an event of `key`, whose close slice is `slice` (``KeyTable/slices``).
    func add(_ event: Event, key: Int32, watermark: Int64, slice: UInt8, trigger: Int64, into firings: inout FiringBatch) -> LateVerdict {
        switch self {
        case .panes(let windows): return windows.add(event, key: key, watermark: watermark, slice: slice, trigger: trigger, into: &firings)
        case .sessions(let windows): return windows.add(event, key: key, watermark: watermark, trigger: trigger, into: &firings)
        case .silence(let tracker):
            tracker.add(event, key: key, trigger: trigger, into: &firings)
            return .accepted
        case .series(let series):
            series.add(event, key: key, trigger: trigger, into: &firings)
            return .accepted
        }
    }

    /// Fires and finishes what the watermark reached; `slices` are the close slices of the
    /// operator's keys, by key (``KeyTable/slices``).
    func advance(to watermark: Int64, clock: TriggerClock, slices: [UInt8], into firings: inout FiringBatch) {
        switch self {
        case .panes(let windows): windows.advance(to: watermark, clock: clock, slices: slices, into: &firings)
        case .sessions(let windows): windows.advance(to: watermark, clock: clock, into: &firings)
        case .silence(let tracker): tracker.advance(to: watermark, clock: clock, into: &firings)
        case .series: break
        }
    }

    /// Takes over a window group's new union `aggregation` after a reload, keeping its windows
    /// (``PaneWindowOperator/adopt(_:spread:slices:)``); `false` when they cannot be kept, so a fresh
    /// operator replaces this one.
    func adopt(_ aggregation: Aggregation, spread: CloseSpread, slices: [UInt8]) -> Bool {
        switch self {
        case .panes(let windows): return windows.adopt(aggregation, spread: spread, slices: slices)
        case .sessions(let windows): return windows.adopt(aggregation)
        case .silence: return true  // holds no aggregates
        case .series(let series):
            series.adopt(aggregation)
            return true
        }
    }

    /// Drops the windows (and silence deadlines, and latest readings) of `keys`.
    func forget(_ keys: Set<Int32>) {
        switch self {
        case .panes(let windows): windows.forget(keys)
        case .sessions(let windows): windows.forget(keys)
        case .silence(let tracker): tracker.forget(keys)
        case .series(let series): for key in keys { series.forget(key) }
        }
    }

    func compactIfSparse() {
        switch self {
        case .panes(let windows): windows.compactIfSparse()
        case .sessions(let windows): windows.compactIfSparse()
        case .silence, .series: break
        }
    }

    /// How far behind the engine's watermark a key of `slice` has its windows closed
    /// (``CloseSpread``): 0 but for tumbling and sliding windows with a spread.
    func closeLag(ofSlice slice: UInt8) -> Int64 {
        switch self {
        case .panes(let windows): windows.spread.lag(ofSlice: slice)
        case .sessions, .silence, .series: 0
        }
    }

    var nextDeadline: Int64? {
        switch self {
        case .panes(let windows): windows.nextDeadline
        case .sessions(let windows): windows.nextDeadline
        case .silence(let tracker): tracker.nextDeadline
        case .series: nil
        }
    }

    var openWindowCount: Int {
        switch self {
        case .panes(let windows): windows.openWindowCount
        case .sessions(let windows): windows.openWindowCount
        case .silence, .series: 0
        }
    }

    var byteCount: Int {
        switch self {
        case .panes(let windows): windows.byteCount
        case .sessions(let windows): windows.byteCount
        case .silence(let tracker): tracker.byteCount
        case .series(let series): series.byteCount
        }
    }

    func hasState(for key: Int32) -> Bool {
        switch self {
        case .panes(let windows): windows.hasState(for: key)
        case .sessions(let windows): windows.hasState(for: key)
        case .silence(let tracker): tracker.hasState(for: key)
        case .series(let series): series.hasState(for: key)
        }
    }
}

extension WindowOperator {
    private var tag: UInt8 {
        switch self {
        case .panes: 0
        case .sessions: 1
        case .silence: 2
        case .series: 3
        }
    }

    /// One operator's state by value, for a checkpoint; encoded later, off the partition.
    enum Captured {
        case panes(PaneWindowOperator.Captured)
        case sessions(SessionWindowOperator.Captured)
        case silence(SilenceTracker.Captured)
        case series(SeriesOperator.Captured)

        func write(to writer: inout CheckpointWriter) {
            switch self {
            case .panes(let windows):
                writer.write(UInt8(0))
                windows.write(to: &writer)
            case .sessions(let windows):
                writer.write(UInt8(1))
                windows.write(to: &writer)
            case .silence(let tracker):
                writer.write(UInt8(2))
                tracker.write(to: &writer)
            case .series(let series):
                writer.write(UInt8(3))
                series.write(to: &writer)
            }
        }
    }

    func capture() -> Captured {
        switch self {
        case .panes(let windows): .panes(windows.capture())
        case .sessions(let windows): .sessions(windows.capture())
        case .silence(let tracker): .silence(tracker.capture())
        case .series(let series): .series(series.capture())
        }
    }

    /// Reads what ``write(to:)`` wrote into this (fresh) operator of the same aggregation.
    /// Reads the operator's state; `slices` are the close slices of its keys, by key.
    func restore(from reader: inout CheckpointReader, slices: [UInt8]) throws(CheckpointError) {
        let written = try reader.read(UInt8.self)
        guard written == tag else { throw reader.invalid("window state of kind \(written) for an operator of kind \(tag)") }
        switch self {
        case .panes(let windows): try windows.restore(from: &reader, slices: slices)
        case .sessions(let windows): try windows.restore(from: &reader)
        case .silence(let tracker): try tracker.restore(from: &reader)
        case .series(let series): try series.restore(from: &reader)
        }
    }
}
