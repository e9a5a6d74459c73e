import CityBrainCore
import Foundation

/// A small CSV reader for the real data sets: a header line, then rows split on a separator
/// (none of these files quote fields). Rows are dictionaries by column name.
struct CSVTable {
    let url: URL
    var separator: Character = ","

    func forEachRow(_ body: ([String: String], _ line: Int) throws -> Void) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var header: [String]?
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let fields = line.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            guard let columns = header else {
                header = fields
                continue
            }
            if line.isEmpty { continue }
            var row: [String: String] = [:]
            for (column, value) in zip(columns, fields) where !column.isEmpty { row[column] = value }
            try body(row, index + 1)
        }
    }
}

/// Local wall-clock times in a named time zone, converted to Unix milliseconds.
///
/// The data sets use fixed-width formats, so the digits are read by position (far faster than
/// `DateFormatter` over hundreds of thousands of rows); the zone's offset is then looked up for
/// that instant, which handles daylight saving.
enum LocalTime {
    /// - Parameters:
    ///   - format: `yyyy-MM-dd HH:mm:ss`, `yyyy-MM-dd'T'HH:mm:ss` or `dd/MM/yyyy HH.mm.ss`.
    ///   - zone: an IANA zone (`Europe/London`), or a fixed offset written `+01:00`.
    static func parse(_ text: String?, format: String, zone: String) -> Int64? {
        guard let text, let digits = fields(text, dayFirst: format.hasPrefix("dd")) else { return nil }
        let (year, month, day, hour, minute, second) = digits
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let local = (EventTime.daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second))
        guard let timeZone = timeZone(zone) else { return nil }
        // The offset at the instant: guess with the local time taken as UTC, then correct once.
        var offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local))))
        let corrected = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - offset))))
        if corrected != offset { offset = corrected }
        return (local - offset) * 1000
    }

    private static func fields(_ text: String, dayFirst: Bool) -> (Int, Int, Int, Int, Int, Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for byte in bytes[start..<(start + length)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        if dayFirst {  // dd/MM/yyyy HH.mm.ss
            guard let d = number(0, 2), let mo = number(3, 2), let y = number(6, 4), let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2) else { return nil }
            return (y, mo, d, h, mi, s)
        }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2) else { return nil }
        return (y, mo, d, h, mi, s)
    }

    nonisolated(unsafe) private static var zones: [String: TimeZone] = [:]
    private static let lock = NSLock()

    private static func timeZone(_ zone: String) -> TimeZone? {
        lock.withLock {
            if let cached = zones[zone] { return cached }
            var result: TimeZone?
            if zone.hasPrefix("+") || zone.hasPrefix("-"), let hours = Int(zone.dropFirst().prefix(2)) {
                result = TimeZone(secondsFromGMT: (zone.hasPrefix("-") ? -1 : 1) * hours * 3600)
            } else {
                result = TimeZone(identifier: zone)
            }
            zones[zone] = result
            return result
        }
    }
}
