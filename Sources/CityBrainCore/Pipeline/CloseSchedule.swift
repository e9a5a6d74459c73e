/// When a pipeline's windows close together: the event times at which the watermark, passing
/// them, fires (or, after their allowed lateness, drops) a window of every key of a tumbling or
/// sliding aggregation at once. Those are the engine's close bursts.
///
/// Windows align to the Unix epoch, so an aggregation with slide `s` (a tumbling one: its size)
/// and size `w` bursts when the watermark reaches a window end, `w` plus a multiple of `s`, and
/// with allowed lateness `l` again at each end plus `l`. Sessions, silence timeouts and per-reading rules fire key by key, never all at once, and
/// have no boundary here. With a close spread (``CloseSpread``) a close comes in slices over the
/// spread, and its time here is that of the last slice: the close is over once it is passed.
///
/// A checkpoint barrier sent right after a burst shares nothing with the next one for a whole
/// slide, while one sent just before a burst has every key's state copied by it
/// (see `Checkpointer`).
public struct CloseSchedule: Sendable, Equatable {
    /// One family of burst times: every `period`, shifted by `offset`.
    struct Boundary: Sendable, Hashable {
        var period: Int64
        var offset: Int64
    }

    let boundaries: [Boundary]

    /// The schedule of `pipeline`'s tumbling and sliding aggregations.
    public init(_ pipeline: Pipeline) {
        let spread = CloseSpread(span: pipeline.watermark.closeSpread)
        let lastLag = spread.lag(ofSlice: UInt8(CloseSpread.slices - 1))
        var boundaries = Set<Boundary>()
        for aggregation in pipeline.aggregations {
            let period: Int64, size: Int64
            switch aggregation.window.spec {
            case .tumbling(let length): (period, size) = (length, length)
            case .sliding(let length, let slide): (period, size) = (slide, length)
            case .session, .silence, .series: continue
            }
            guard period > 0 else { continue }
            boundaries.insert(Boundary(period: period, offset: (size + lastLag) % period))
            let lateness = aggregation.window.allowedLateness
            if lateness > 0 { boundaries.insert(Boundary(period: period, offset: (size + lateness + lastLag) % period)) }
        }
        self.boundaries = boundaries.sorted { ($0.period, $0.offset) < ($1.period, $1.offset) }
    }

    /// Whether the pipeline has windows that close together at all.
    public var isEmpty: Bool { boundaries.isEmpty }

    /// The longest time between two bursts of one aggregation: after it, every aggregation has
    /// burst at least once. `nil` when there are none.
    public var longestPeriod: Int64? { boundaries.map(\.period).max() }

    /// Whether a watermark moving from `old` to `new` passes a burst time: some window end (or
    /// end of allowed lateness) `t` with `old < t ≤ new`, i.e. the step fires or drops windows
    /// of every key of some aggregation.
    public func crossed(from old: Int64, to new: Int64) -> Bool {
        guard new > old, old != .min else { return false }
        for boundary in boundaries where Self.slot(of: new, boundary) > Self.slot(of: old, boundary) {
            return true
        }
        return false
    }

    /// How many burst times of `boundary` lie at or before `time`, up to a constant.
    private static func slot(of time: Int64, _ boundary: Boundary) -> Int64 {
        let (shifted, overflow) = time.subtractingReportingOverflow(boundary.offset)
        let value = overflow ? time : shifted
        let quotient = value / boundary.period
        return value % boundary.period < 0 ? quotient - 1 : quotient
    }
}
