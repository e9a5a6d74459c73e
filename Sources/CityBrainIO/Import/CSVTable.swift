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
enum LocalTime {
    nonisolated(unsafe) private static var formatters: [String: DateFormatter] = [:]
    private static let lock = NSLock()

    /// - Parameter zone: an IANA zone (`Europe/London`), or a fixed offset written `+01:00`.
    static func parse(_ text: String?, format: String, zone: String) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        return lock.withLock {
            let key = format + "|" + zone
            let formatter = formatters[key] ?? {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                if zone.hasPrefix("+") || zone.hasPrefix("-"), let hours = Int(zone.dropFirst().prefix(2)) {
                    formatter.timeZone = TimeZone(secondsFromGMT: (zone.hasPrefix("-") ? -1 : 1) * hours * 3600)
                } else {
                    formatter.timeZone = TimeZone(identifier: zone)
                }
                formatter.dateFormat = format
                formatters[key] = formatter
                return formatter
            }()
            return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        }
    }
}
