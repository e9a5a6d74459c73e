import Foundation

/// Where the fan-in reads one shard: its alert stream and its catch-up endpoint.
public struct ShardStream: Sendable, Equatable {
    public var shard: String
    /// The shard's alert stream (XPUB) endpoints.
    public var alerts: [String]
    /// The shard's catch-up (ROUTER) endpoint.
    public var catchup: String

    public init(shard: String, alerts: [String], catchup: String) {
        self.shard = shard
        self.alerts = alerts
        self.catchup = catchup
    }

    /// `shard-0=tcp://host:5557,tcp://host:5558`: the name, then the alert stream and the
    /// catch-up endpoint.
    public static func parse(_ text: String) -> Result<ShardStream, ShardStreamError> {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            return .failure(ShardStreamError("expected NAME=ALERTS,CATCHUP (e.g. shard-0=tcp://127.0.0.1:5557,tcp://127.0.0.1:5558), not '\(text)'"))
        }
        let name = String(text[..<equals])
        let endpoints = text[text.index(after: equals)...].split(separator: ",").map(String.init)
        guard endpoints.count == 2, endpoints.allSatisfy({ $0.contains("://") }) else {
            return .failure(ShardStreamError("shard '\(name)' needs two endpoints, the alert stream and the catch-up endpoint: \(name)=ALERTS,CATCHUP"))
        }
        return .success(ShardStream(shard: name, alerts: [endpoints[0]], catchup: endpoints[1]))
    }

    /// The streams of every shard of a plan, from a template where `{shard}` stands for the
    /// shard's name: `tcp://citybrain-{shard}.citybrain-shards:5557,tcp://citybrain-{shard}.citybrain-shards:5558`.
    public static func expand(template: String, shards: [String]) -> Result<[ShardStream], ShardStreamError> {
        guard template.contains("{shard}") else { return .failure(ShardStreamError("the endpoint template '\(template)' has no {shard}")) }
        var streams: [ShardStream] = []
        for shard in shards {
            switch parse(shard + "=" + template.replacingOccurrences(of: "{shard}", with: shard)) {
            case .success(let stream): streams.append(stream)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(streams)
    }
}

/// A `--shard` value or endpoint template that cannot be used.
public struct ShardStreamError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
