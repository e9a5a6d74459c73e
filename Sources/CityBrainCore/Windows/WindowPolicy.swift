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
    case silence(after: Int64)

    /// `tumbling 1m`, `sliding 5m every 1m`, `session gap 2m`.
    public var summary: String {
        switch self {
        case .tumbling(let size): "tumbling \(DurationText.format(size))"
        case .sliding(let size, let slide): "sliding \(DurationText.format(size)) every \(DurationText.format(slide))"
        case .session(let gap, let maxLength): "session gap \(DurationText.format(gap))" + (maxLength.map { " max \(DurationText.format($0))" } ?? "")
        case .silence(let after): "silence after \(DurationText.format(after))"
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
