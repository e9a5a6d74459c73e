import Foundation

/// The city's time zone, for time-of-day profiles: an IANA name such as `Europe/Berlin`.
public struct LocalTimeZone: Sendable, Hashable {
    public let identifier: String
    private let zone: TimeZone

    public static let utc = LocalTimeZone(zone: TimeZone(identifier: "UTC")!, identifier: "UTC")

    /// `nil` for a name the system does not know.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(zone: zone, identifier: identifier)
    }

    private init(zone: TimeZone, identifier: String) {
        self.zone = zone
        self.identifier = identifier
    }

    /// Local time minus UTC at `time` (Unix ms), in ms.
    public func offset(at time: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000))) * 1000
    }

    public static func == (a: LocalTimeZone, b: LocalTimeZone) -> Bool { a.identifier == b.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}
