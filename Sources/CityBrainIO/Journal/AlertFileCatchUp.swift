import CityBrainCore
import Foundation

/// Brings a JSON-lines alert file written by an earlier run up to date with the alert journal,
/// before a new run appends to it.
///
/// Alerts are journaled (and synced) before any sink sees them, so a process killed between the
/// two leaves alerts in the journal that never reached the file; after a restart from a checkpoint
/// those alerts are not produced again (they were published already). Catching up appends them
/// from the journal, so the file holds every alert once, in sequence order. A torn last line (a
/// crash mid-write) is trimmed first.
public enum AlertFileCatchUp {
    /// What ``run(path:journal:)`` did.
    public struct Report: Sendable, Equatable {
        /// Bytes of an unfinished last line that were cut off.
        public var trimmedBytes = 0
        /// The sequence number of the file's last alert (nil when it holds none).
        public var lastSequenceInFile: UInt64?
        /// Alerts appended from the journal.
        public var appended = 0
    }

    /// How much of the file's end is read at a time while looking for its last alert.
    static let chunkBytes = 1 << 20

    /// Catches the file at `path` up with `journal`. A file that does not exist is left alone (a
    /// new file starts with the run's own alerts); an existing one, even empty, receives every
    /// journaled alert numbered after its last one.
    /// - Parameter format: how the file's alerts are written (and the missing ones are appended).
    public static func run(path: String, journal: AlertJournal, format: AlertFormat = .native) throws -> Report {
        var report = Report()
        guard FileManager.default.fileExists(atPath: path) else { return report }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let (completeBytes, lastSequence) = try scanBackwards(handle, size: size)
        if completeBytes < size {
            try handle.truncate(atOffset: completeBytes)
            report.trimmedBytes = Int(size - completeBytes)
        }
        report.lastSequenceInFile = lastSequence
        let missing = try journal.alerts(after: lastSequence ?? 0)
        guard !missing.isEmpty else { return report }
        try handle.seek(toOffset: completeBytes)
        var text = ""
        for alert in missing {
            text += format.render(alert)
            text += "\n"
        }
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        report.appended = missing.count
        return report
    }

    /// The length of the file up to and including its last newline, and the `seq` of the last
    /// line that carries one (an alert; window results and scores have none).
    private static func scanBackwards(_ handle: FileHandle, size: UInt64) throws -> (complete: UInt64, lastSequence: UInt64?) {
        var complete: UInt64?
        var end = size
        var carry: [UInt8] = []  // the start of a line whose beginning lies in an earlier chunk
        while end > 0 {
            let start = end > UInt64(chunkBytes) ? end - UInt64(chunkBytes) : 0
            try handle.seek(toOffset: start)
            var bytes = [UInt8](try handle.read(upToCount: Int(end - start)) ?? Data())
            bytes += carry
            var lineEnd = bytes.count
            var index = bytes.count - 1
            while index >= 0 {
                if bytes[index] == UInt8(ascii: "\n") {
                    if complete == nil {
                        complete = start + UInt64(index) + 1
                    } else if let sequence = sequence(in: bytes[(index + 1)..<lineEnd]) {
                        return (complete!, sequence)
                    }
                    lineEnd = index
                }
                index -= 1
            }
            carry = Array(bytes[0..<lineEnd])
            end = start
        }
        // The file's first line.
        guard let complete else { return (0, nil) }
        return (complete, sequence(in: carry[...]))
    }

    /// The alert sequence number of a JSON line, if it is an alert (native or NGSI-LD).
    private static func sequence(in line: ArraySlice<UInt8>) -> UInt64? {
        guard !line.isEmpty, let value = try? JSONValue.parse(json: Array(line)) else { return nil }
        return AlertFormat.sequence(of: value)
    }
}
