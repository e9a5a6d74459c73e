/// A loaded, checked pipeline: the rules and the event-time settings they share.
public struct Pipeline: Sendable, Hashable {
    /// A name for logs, from the file's `name:` (default `pipeline`).
    public var name: String
    /// How far behind the newest event time an event may arrive and still count, in ms:
    /// watermark = max event time seen − this. Default 5 s.
    public var maxOutOfOrderness: Int64
    public var rules: [Rule]

    public init(name: String = "pipeline", maxOutOfOrderness: Int64 = 5_000, rules: [Rule]) {
        self.name = name
        self.maxOutOfOrderness = maxOutOfOrderness
        self.rules = rules
    }
}
