import ArgumentParser
import Foundation

/// A point in time on the command line: Unix milliseconds, or ISO 8601 (`2024-11-22T10:00:00Z`).
struct TimeArgument: ExpressibleByArgument, Sendable {
    let milliseconds: Int64

    init?(argument: String) {
        if let value = Int64(argument) {
            milliseconds = value
            return
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: argument) ?? { formatter.formatOptions = [.withInternetDateTime]; return formatter.date(from: argument) }()
        guard let date else { return nil }
        milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A size on the command line: bytes, or with a unit (`64KB`, `256MB`, `2GB`).
struct SizeArgument: ExpressibleByArgument, Sendable {
    let bytes: Int

    init?(argument: String) {
        let units: [(String, Int)] = [("GB", 1 << 30), ("G", 1 << 30), ("MB", 1 << 20), ("M", 1 << 20), ("KB", 1 << 10), ("K", 1 << 10), ("B", 1)]
        let text = argument.uppercased()
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0 else { return nil }
            bytes = Int(value * Double(scale))
            return
        }
        guard let value = Int(text), value > 0 else { return nil }
        bytes = value
    }
}
