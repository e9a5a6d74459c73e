import CityBrainCore

/// Where ingest reads feed frames from.
public struct FeedEndpoints: Sendable, Equatable {
    /// SUB sockets connect here (publishers bind), e.g. `tcp://127.0.0.1:5556`.
    public var subscribe: [String]
    /// A PULL socket binds here: senders get backpressure when the pipeline falls behind.
    public var pull: [String]
    /// Topic prefixes to subscribe to; empty subscribes to everything.
    public var topics: [String]
    /// The format of endpoints that speak one of their own; the others speak the receiver's.
    public var formats: [String: FeedFormat]

    public init(subscribe: [String] = [], pull: [String] = [], topics: [String] = [], formats: [String: FeedFormat] = [:]) {
        self.subscribe = subscribe
        self.pull = pull
        self.topics = topics
        self.formats = formats
    }

    /// Endpoints given as `[format@]endpoint` (`senml@tcp://*:5570`): the endpoints, and the
    /// formats of those that name one.
    /// - Throws: ``FeedEndpointError`` for an unknown format name.
    public static func parse(subscribe: [String] = [], pull: [String] = [], topics: [String] = []) throws -> FeedEndpoints {
        var formats: [String: FeedFormat] = [:]
        func split(_ specification: String) throws -> String {
            guard let at = specification.firstIndex(of: "@"), !specification[..<at].contains(":") else { return specification }
            let name = String(specification[..<at])
            let endpoint = String(specification[specification.index(after: at)...])
            guard let format = FeedFormat(rawValue: name) else {
                throw FeedEndpointError(message: "unknown feed format '\(name)' in '\(specification)'; expected one of \(FeedFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            formats[endpoint] = format
            return endpoint
        }
        var endpoints = FeedEndpoints(subscribe: try subscribe.map(split), pull: try pull.map(split), topics: topics)
        endpoints.formats = formats
        return endpoints
    }

    /// The format `endpoint` speaks, if it names one.
    public func format(of endpoint: String) -> FeedFormat? {
        formats[endpoint]
    }

    public var isEmpty: Bool { subscribe.isEmpty && pull.isEmpty }
}

/// A feed endpoint that cannot be used as given.
public struct FeedEndpointError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
