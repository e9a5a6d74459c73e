/// A kind of sensor feed: the `kind` of every event, the first part of its feed topic.
///
/// Three kinds are built in, with a catalogue of measurements (``MeasurementLimits``):
/// ``traffic``, ``parking`` and ``environment``. A pipeline may declare more (`kinds:` in the
/// file, ``KindDeclaration``): water gauges, waste bins, street lights. A decoder accepts the
/// kinds its pipeline knows and rejects any other with ``RejectReason/unknownKind``.
///
/// A kind name is 1–32 bytes of `a`–`z`, `0`–`9`, `_` and `-`, starting with a letter: it goes
/// into feed topics (`<kind>.<district>.<sensor>`), which is why it can hold no `.`.
public struct EventKind: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// `nil` when `rawValue` is not a valid kind name (see ``isValidName(_:)``).
    public init?(rawValue: String) {
        guard Self.isValidName(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    private init(builtIn name: String) {
        self.rawValue = name
    }

    /// Road-segment detectors: `speed_kmh`, `flow_vph`, `occupancy`, `travel_time_s`.
    public static let traffic = EventKind(builtIn: "traffic")
    /// Garages and on-street bays: `occupied`, `capacity`.
    public static let parking = EventKind(builtIn: "parking")
    /// Environmental stations: `pm25`, `no2`, `noise_db`, `water_level_cm`, …
    public static let environment = EventKind(builtIn: "environment")

    /// The kinds every pipeline knows, in this order.
    public static let builtIn: [EventKind] = [.traffic, .parking, .environment]

    /// Longest kind name, in bytes.
    public static let maxNameBytes = 32

    /// Whether `name` may name a kind: 1–32 bytes of `a`–`z`, `0`–`9`, `_`, `-`, starting with a letter.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= maxNameBytes, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// Whether this is one of the ``builtIn`` kinds.
    public var isBuiltIn: Bool { Self.builtIn.contains(self) }

    public var description: String { rawValue }

    public static func < (lhs: EventKind, rhs: EventKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = EventKind(rawValue: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(name)' is not a kind name"))
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
