/// How the engine's watermark follows event time.
///
/// Without per-source settings, the watermark is the largest event time seen minus
/// ``maxOutOfOrderness``. With ``sources`` (keyed by feed kind), each kind has its own bound:
/// the watermark is the minimum over kinds of (its largest event time − its bound), leaving out a
/// kind that is **idle**: one whose newest event is more than ``idleTimeout`` behind the newest
/// event of any kind. The watermark never goes back.
public struct WatermarkPolicy: Sendable, Hashable {
    /// Default bound, in ms.
    public var maxOutOfOrderness: Int64
    /// Per-kind bounds; empty means one source for everything.
    public var sources: [EventKind: Int64]
    /// In event-time ms.
    public var idleTimeout: Int64
    /// Event time (ms) over which the close of many keys' tumbling and sliding windows is
    /// spread (``CloseSpread``): each key's windows close up to this long after the watermark
    /// passes their end, a fixed share per key. 0: every key's window closes at its end.
    public var closeSpread: Int64

    public init(maxOutOfOrderness: Int64 = 5_000, sources: [EventKind: Int64] = [:], idleTimeout: Int64 = 60_000, closeSpread: Int64 = 0) {
        self.maxOutOfOrderness = maxOutOfOrderness
        self.sources = sources
        self.idleTimeout = idleTimeout
        self.closeSpread = closeSpread
    }
}
