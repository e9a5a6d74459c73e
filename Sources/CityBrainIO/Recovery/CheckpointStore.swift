import CityBrainCore
import Foundation

/// A directory of numbered checkpoint files, `checkpoint-000001.ckpt`, … Each is written to a
/// temporary file, synced, renamed into place and the directory synced, so a crash leaves either
/// the old set or the new one, never a half-written checkpoint under a checkpoint's name. The
/// newest `keep` are kept. Reading takes the newest that passes its checks and reports the ones
/// it had to pass over.
public final class CheckpointStore: Sendable {
    public let directory: URL
    /// Checkpoints kept (at least 1).
    public let keep: Int

    public init(directory path: String, keep: Int = 3) throws {
        directory = URL(fileURLWithPath: path)
        self.keep = max(1, keep)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The checkpoint files, oldest first.
    public func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { Self.number(of: $0) != nil }
            .sorted { Self.number(of: $0)! < Self.number(of: $1)! }
    }

    static func number(of url: URL) -> Int? {
        let name = url.lastPathComponent
        guard name.hasPrefix("checkpoint-"), name.hasSuffix(".ckpt") else { return nil }
        return Int(name.dropFirst("checkpoint-".count).dropLast(".ckpt".count))
    }

    /// Writes `checkpoint` durably as the newest, then deletes all but the newest ``keep``.
    /// Returns the file and its size.
    @discardableResult
    public func save(_ checkpoint: Checkpoint) throws -> (url: URL, bytes: Int) {
        let existing = try files()
        let number = (existing.last.flatMap(Self.number(of:)) ?? 0) + 1
        let digits = String(number)
        let url = directory.appendingPathComponent("checkpoint-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".ckpt")
        let temporary = directory.appendingPathComponent(".checkpoint-\(number).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot create \(temporary.path)"])
        }
        let handle = try FileHandle(forWritingTo: temporary)
        var size = 0
        let length = try CheckpointFile.encode(checkpoint) { piece in
            try handle.write(contentsOf: piece)
            size += piece.count
        }
        try handle.seek(toOffset: UInt64(CheckpointFile.lengthOffset))
        try withUnsafeBytes(of: UInt64(length).littleEndian) { try handle.write(contentsOf: $0) }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot rename \(temporary.path): \(String(cString: strerror(errno)))"])
        }
        syncDirectory()
        for old in (existing + [url]).dropLast(keep) { try? FileManager.default.removeItem(at: old) }
        return (url, size)
    }

    /// The newest checkpoint that reads back whole, and its file; `nil` when there is none.
    /// (A restart also checks that it fits the pipeline: ``RecoveredEngine/start(store:pipeline:partitions:maxBatchesInFlight:emitScores:logger:)``.)
    public func latest() throws -> (checkpoint: Checkpoint, url: URL)? {
        for url in try files().reversed() {
            if let checkpoint = try? CheckpointFile.read(url) { return (checkpoint, url) }
        }
        return nil
    }

    /// Leftover temporary files of interrupted writes.
    public func removeTemporaryFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".checkpoint-") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    private func syncDirectory() {
        let descriptor = open(directory.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
