import CityBrainCore
import CZlib
import Foundation

/// The checkpoint file format: `CBCKPT` `\0` `\u{1}` (8-byte magic), u32 format version, u64
/// body length, the body (a ``Checkpoint``, see ``CheckpointCodable``), u32 CRC-32 of the body;
/// little-endian. A file that is short, has another magic or version, or fails its checksum is
/// refused whole, with the reason.
public enum CheckpointFile {
    static let magic: [UInt8] = Array("CBCKPT".utf8) + [0, 1]
    /// Bumped whenever any encoded state type changes its fields.
    public static let version: UInt32 = 5
    static let headerSize = 20

    /// Why a checkpoint file was refused.
    public struct Invalid: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Where the header keeps the body's length.
    static let lengthOffset = 12

    /// Hands the file's bytes for `checkpoint` to `sink` piece by piece (frames of a few MiB of
    /// each partition's encoding, as it is encoded), with the body length in the header left 0;
    /// returns the body length, which the caller writes at ``lengthOffset``.
    @discardableResult
    public static func encode(_ checkpoint: Checkpoint, to sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var header = magic
        RecordingFormat.append(version, to: &header)
        RecordingFormat.append(UInt64(0), to: &header)
        try header.withUnsafeBytes(sink)
        var crc: uLong = 0
        var length = 0
        let body = { (piece: UnsafeRawBufferPointer) throws in
            crc = CZlib.crc32(crc, piece.baseAddress?.assumingMemoryBound(to: UInt8.self), uInt(piece.count))
            length += piece.count
            try sink(piece)
        }
        var writer = CheckpointWriter(reservingCapacity: 1 << 20)
        try checkpoint.write(to: &writer, draining: body)
        try writer.drain(into: body)
        var trailer: [UInt8] = []
        RecordingFormat.append(UInt32(crc), to: &trailer)
        try trailer.withUnsafeBytes(sink)
        return length
    }

    /// Reads and checks a checkpoint file.
    public static func read(_ url: URL) throws -> Checkpoint {
        let bytes: [UInt8]
        do { bytes = try readAll(url) } catch {
            throw Invalid(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(bytes, path: url.path)
    }

    /// The whole file in one array (one copy, no `Data` in between).
    static func readAll(_ url: URL) throws -> [UInt8] {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))]) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw CocoaError(.fileReadUnknown) }
        let size = Int(status.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let count = Foundation.read(descriptor, buffer.baseAddress! + done, size - done)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { failed = count < 0; break }
                done += count
            }
            initialized = done
        }
        if failed { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))]) }
        return bytes
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
        let crc = bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress! + headerSize, uInt(length)))
        }
        guard RecordingFormat.read(UInt32.self, from: bytes, at: headerSize + length) == crc else {
            throw Invalid(path: path, reason: "checksum mismatch (the file is corrupt)")
        }
        var reader = CheckpointReader(bytes, offset: headerSize)
        do throws(CheckpointError) {
            let checkpoint: Checkpoint = try reader.read()
            guard reader.offset == headerSize + length else { throw reader.invalid("unexpected data after the checkpoint") }
            return checkpoint
        } catch {
            throw Invalid(path: path, reason: error.description)
        }
    }
}
