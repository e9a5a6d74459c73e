import Foundation

/// The city's time zone, for time-of-day profiles: an IANA name such as `Europe/Berlin`.
///
/// Its UTC offsets from 1970 to 2200 are read from the system once, at creation, as a table of
/// transitions, so ``offset(at:)`` is a binary search that any thread may call: no profile keeps
/// a cache of its own (at a million sensors that cache was 23 MiB).
public struct LocalTimeZone: Sendable, Hashable {
    /// One reference, so copying the settings that hold a zone (per reading) retains once.
    private let table: Table

    public var identifier: String { table.identifier }

    private static let tableStart: Int64 = 0
    private static let tableEnd: Int64 = 7_258_118_400_000  // 2200-01-01

    public static let utc = LocalTimeZone(zone: TimeZone(identifier: "UTC")!, identifier: "UTC")

    /// `nil` for a name the system does not know.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(zone: zone, identifier: identifier)
    }

    private init(zone: TimeZone, identifier: String) {
        var starts = [Self.tableStart], offsets = [Self.systemOffset(zone, at: Self.tableStart)]
        var date = Date(timeIntervalSince1970: Double(Self.tableStart) / 1000)
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 * 1000 < Double(Self.tableEnd) {
            let time = Int64((next.timeIntervalSince1970 * 1000).rounded())
            guard time > starts[starts.count - 1] else { break }
            let offset = Self.systemOffset(zone, at: time)
            if offset != offsets[offsets.count - 1] {
                starts.append(time)
                offsets.append(offset)
            }
            date = next
        }
        table = Table(identifier: identifier, zone: zone, starts: starts, offsets: offsets)
    }

    /// Local time minus UTC at `time` (Unix ms), in ms.
    public func offset(at time: Int64) -> Int64 {
        guard time >= Self.tableStart, time < Self.tableEnd else { return Self.systemOffset(table.zone, at: time) }
        let starts = table.starts
        // The last start at or before `time`.
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= time { low = middle } else { high = middle - 1 }
        }
        return table.offsets[low]
    }

    private static func systemOffset(_ zone: TimeZone, at time: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000))) * 1000
    }

    public static func == (a: LocalTimeZone, b: LocalTimeZone) -> Bool { a.identifier == b.identifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }

    /// The zone and its offsets: immutable once built.
    private final class Table: Sendable {
        let identifier: String
        let zone: TimeZone
        /// Times (Unix ms) from which `offsets` at the same index apply; the first is `tableStart`.
        let starts: [Int64]
        let offsets: [Int64]

        init(identifier: String, zone: TimeZone, starts: [Int64], offsets: [Int64]) {
            self.identifier = identifier
            self.zone = zone
            self.starts = starts
            self.offsets = offsets
        }
    }
}
