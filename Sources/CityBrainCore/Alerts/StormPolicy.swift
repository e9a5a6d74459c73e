/// A department's protection against alert storms: at most `limit` alerts raised per `window`
/// of event time; beyond that, the raises of each instant are folded into one grouped alert that
/// lists the sensors, and their later updates and resolves are withheld.
public struct StormPolicy: Sendable, Hashable {
    public var limit: Int
    /// In event-time ms; buckets align to the epoch.
    public var window: Int64

    public init(limit: Int, window: Int64 = 60_000) {
        self.limit = limit
        self.window = window
    }
}
