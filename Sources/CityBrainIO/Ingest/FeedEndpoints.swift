/// Where ingest reads feed frames from.
public struct FeedEndpoints: Sendable, Equatable {
    /// SUB sockets connect here (publishers bind), e.g. `tcp://127.0.0.1:5556`.
    public var subscribe: [String]
    /// A PULL socket binds here: senders get backpressure when the pipeline falls behind.
    public var pull: [String]
    /// Topic prefixes to subscribe to; empty subscribes to everything.
    public var topics: [String]

    public init(subscribe: [String] = [], pull: [String] = [], topics: [String] = []) {
        self.subscribe = subscribe
        self.pull = pull
        self.topics = topics
    }

    public var isEmpty: Bool { subscribe.isEmpty && pull.isEmpty }
}
