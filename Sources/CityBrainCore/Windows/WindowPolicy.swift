/// How events are grouped into windows in event time. All windows align to the Unix epoch.
public enum WindowSpec: Sendable, Hashable {
    /// `[k·size, (k+1)·size)`.
    case tumbling(size: Int64)
    /// `[k·slide, k·slide + size)`; each event is in `size / slide` windows. Computed from panes
    /// of `gcd(size, slide)`, never by rescanning events.
    case sliding(size: Int64, slide: Int64)
    /// Per key, events closer than `gap` belong together: `[first event, last event + gap)`.
    /// A session stops growing at `maxLength` from its first event; a later event starts the
    /// next session.
    case session(gap: Int64, maxLength: Int64?)
    /// No windows: tracks each key's last event time for absence detection (silent-sensor rules).
    case silence(after: SilenceTimeout)
    /// No windows: each reading of a key is handed to the rule in event-time order (per-reading
    /// rules: anomaly, stuck).
    case series

    /// `tumbling 1m`, `sliding 5m every 1m`, `session gap 2m`.
    public var summary: String {
        switch self {
        case .tumbling(let size): "tumbling \(DurationText.format(size))"
        case .sliding(let size, let slide): "sliding \(DurationText.format(size)) every \(DurationText.format(slide))"
        case .session(let gap, let maxLength): "session gap \(DurationText.format(gap))" + (maxLength.map { " max \(DurationText.format($0))" } ?? "")
        case .silence(let after): "silence after \(after.summary)"
        case .series: "each reading"
        }
    }
}

/// A window spec and how long a closed window still accepts late events.
public struct WindowPolicy: Sendable, Hashable {
    public var spec: WindowSpec
    /// After a window closes, events for it are still added for this long (in watermark time),
    /// each emitting an updated result. Default 0.
    public var allowedLateness: Int64

    public init(_ spec: WindowSpec, allowedLateness: Int64 = 0) {
        self.spec = spec
        self.allowedLateness = allowedLateness
    }
}

/// How long a key may send nothing before it counts as silent.
public enum SilenceTimeout: Sendable, Hashable {
    /// What a cadence timeout is a multiple of (see ``CadenceEstimator``).
    public enum Basis: String, Sendable, Hashable {
        /// The key's usual (median) reporting interval: `intervals: k`.
        case intervals
        /// The key's usual longest gap (95th percentile of its intervals): `gaps: k`. Right for
        /// real feeds, whose gaps are part of their rhythm.
        case gaps
    }

    /// A fixed span of event time.
    case fixed(Int64)
    /// `multiple` times the key's own learnt interval or longest gap, never less than `atLeast`
    /// nor more than `atMost`; `atMost` until the cadence is known (three readings).
    case cadence(multiple: Double, of: Basis, atLeast: Int64, atMost: Int64)

    /// The timeout for a key whose learnt cadence is `cadence`.
    public func timeout(cadence: CadenceEstimator) -> Int64 {
        switch self {
        case .fixed(let after): return after
        case .cadence(let multiple, let basis, let atLeast, let atMost):
            guard cadence.samples >= 2, let span = basis == .intervals ? cadence.interval : cadence.longGap else { return atMost }
            return min(max(Int64((Double(span) * multiple).rounded()), atLeast), atMost)
        }
    }

    /// `10m`, or `3 gaps (15m to 2h)`.
    public var summary: String {
        switch self {
        case .fixed(let after): DurationText.format(after)
        case .cadence(let multiple, let basis, let atLeast, let atMost):
            "\(JSONObjectWriter.number(multiple)) \(basis.rawValue) (\(DurationText.format(atLeast)) to \(DurationText.format(atMost)))"
        }
    }
}
