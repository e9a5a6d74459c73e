import CityBrainCore
import Foundation

/// The checkpoint file format: `CBCKPT` `\0` `\u{1}` (8-byte magic), u32 format version, u64
/// body length, the body (a ``Checkpoint``, see ``CheckpointCodable``), u32 CRC-32 of the body;
/// little-endian. A file that is short, has another magic or version, or fails its checksum is
/// refused whole, with the reason.
public enum CheckpointFile {
    static let magic: [UInt8] = Array("CBCKPT".utf8) + [0, 1]
    /// Bumped whenever any encoded state type changes its fields.
    public static let version: UInt32 = 1
    static let headerSize = 20

    /// Why a checkpoint file was refused.
    public struct Invalid: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The file's bytes for `checkpoint`.
    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        var body = CheckpointWriter(reservingCapacity: checkpoint.engine.byteCount + 4_096)
        body.write(checkpoint)
        var bytes = magic
        bytes.reserveCapacity(body.bytes.count + headerSize + 4)
        RecordingFormat.append(version, to: &bytes)
        RecordingFormat.append(UInt64(body.bytes.count), to: &bytes)
        bytes += body.bytes
        RecordingFormat.append(RecordingFormat.crc32(body.bytes), to: &bytes)
        return bytes
    }

    /// Reads and checks a checkpoint file.
    public static func read(_ url: URL) throws -> Checkpoint {
        let bytes: [UInt8]
        do { bytes = try Array(Data(contentsOf: url)) } catch {
            throw Invalid(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(bytes, path: url.path)
    }

    /// The input position of a checkpoint file, read from its first bytes only (no checksum).
    public static func input(of url: URL) -> InputPosition? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: headerSize + 24), head.count == headerSize + 24 else { return nil }
        var reader = CheckpointReader(Array(head), offset: headerSize + 8)
        return try? reader.read(InputPosition.self)
    }

    static func decode(_ bytes: [UInt8], path: String) throws(Invalid) -> Checkpoint {
        guard bytes.count >= headerSize + 4, Array(bytes.prefix(magic.count)) == magic else {
            throw Invalid(path: path, reason: "not a CityBrain checkpoint (no CBCKPT header)")
        }
        let version = RecordingFormat.read(UInt32.self, from: bytes, at: 8) ?? 0
        guard version == Self.version else {
            throw Invalid(path: path, reason: "checkpoint format \(version); this build reads format \(Self.version)")
        }
        let length = Int(RecordingFormat.read(UInt64.self, from: bytes, at: 12) ?? 0)
        guard length >= 0, headerSize + length + 4 == bytes.count else {
            throw Invalid(path: path, reason: "torn: \(bytes.count) bytes, the header announces \(headerSize + length + 4)")
        }
        let body = Array(bytes[headerSize..<(headerSize + length)])
        guard RecordingFormat.read(UInt32.self, from: bytes, at: headerSize + length) == RecordingFormat.crc32(body) else {
            throw Invalid(path: path, reason: "checksum mismatch (the file is corrupt)")
        }
        var reader = CheckpointReader(body)
        do throws(CheckpointError) {
            let checkpoint: Checkpoint = try reader.read()
            guard reader.isAtEnd else { throw reader.invalid("unexpected data after the checkpoint") }
            return checkpoint
        } catch {
            throw Invalid(path: path, reason: error.description)
        }
    }
}
