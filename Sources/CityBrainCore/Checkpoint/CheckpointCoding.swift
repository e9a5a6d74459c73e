/// A value that can be written into a checkpoint and read back exactly.
///
/// The encoding is positional and compact (little-endian, no field names): a type writes its
/// fields in a fixed order and reads them back in the same order. The checkpoint file carries a
/// format version, so a change to any type's fields must bump `CheckpointFile.version` (CityBrainIO).
/// Conformances live beside each type, where its private state is visible.
public protocol CheckpointCodable {
    func write(to writer: inout CheckpointWriter)
    init(from reader: inout CheckpointReader) throws(CheckpointError)
}

/// Why a checkpoint could not be read.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The bytes end before the value does.
    case truncated(offset: Int)
    /// A value that no writer produces (an unknown tag, a count out of range).
    case invalid(String, offset: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "checkpoint data ends early (at byte \(offset))"
        case .invalid(let what, let offset): "checkpoint data is invalid at byte \(offset): \(what)"
        }
    }
}

/// Appends values to a growable byte buffer (see ``CheckpointCodable``). Fixed-width values are
/// stored straight into the buffer, and arrays of ``CheckpointTrivial`` elements are copied
/// whole, so encoding runs near memory speed.
public struct CheckpointWriter: @unchecked Sendable {
    private final class Storage {
        var base: UnsafeMutableRawPointer
        var count = 0
        var capacity: Int
        /// With a `spill`, the bytes leave in pieces of exactly this many as they fill.
        let pieceBytes: Int
        let spill: ((UnsafeRawBufferPointer) -> Void)?

        init(capacity: Int, pieceBytes: Int = 0, spill: ((UnsafeRawBufferPointer) -> Void)? = nil) {
            self.capacity = max(capacity, 256, 2 * pieceBytes)
            self.pieceBytes = pieceBytes
            self.spill = spill
            base = .allocate(byteCount: self.capacity, alignment: 16)
        }

        deinit { base.deallocate() }

        @inline(__always)
        func reserve(_ more: Int) {
            guard count + more > capacity else { return }
            if spill != nil {
                spillWholePieces()
                if count + more <= capacity { return }
            }
            grow(more)
        }

        /// Hands on every whole piece and moves the rest (less than a piece) to the front.
        func spillWholePieces() {
            guard let spill else { return }
            var start = 0
            while count - start >= pieceBytes {
                spill(UnsafeRawBufferPointer(start: base + start, count: pieceBytes))
                start += pieceBytes
            }
            guard start > 0 else { return }
            base.copyMemory(from: base + start, byteCount: count - start)
            count -= start
        }

        func grow(_ more: Int) {
            var grown = capacity * 2
            while grown < count + more { grown *= 2 }
            let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
            moved.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = moved
            capacity = grown
        }
    }

    private let storage: Storage

    public init(reservingCapacity capacity: Int = 0) {
        storage = Storage(capacity: capacity)
    }

    /// A writer that hands its bytes to `spill` in pieces of exactly `pieceBytes` as they fill,
    /// and the rest on ``finishPieces()``, so an encoding of any size needs a buffer of about two
    /// pieces, and the pieces of the same bytes are always the same. ``count``, ``bytes`` and
    /// ``withUnsafeBytes(_:)`` see only what has not been handed on yet.
    public init(pieceBytes: Int, spill: @escaping (UnsafeRawBufferPointer) -> Void) {
        precondition(pieceBytes > 0)
        storage = Storage(capacity: 2 * pieceBytes, pieceBytes: pieceBytes, spill: spill)
    }

    /// Hands on what is left as the last piece (shorter than the others; none when empty).
    public mutating func finishPieces() {
        storage.spillWholePieces()
        guard storage.count > 0, let spill = storage.spill else { return }
        spill(UnsafeRawBufferPointer(start: storage.base, count: storage.count))
        storage.count = 0
    }

    /// Bytes written so far.
    public var count: Int { storage.count }

    /// A copy of the bytes written.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The bytes written, without copying (valid inside `body` only).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.base, count: storage.count))
    }

    public mutating func write<T: CheckpointCodable>(_ value: T) { value.write(to: &self) }

    /// Writes an integer's little-endian bytes.
    @inline(__always)
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        storage.reserve(size)
        storage.base.storeBytes(of: value.littleEndian, toByteOffset: storage.count, as: T.self)
        storage.count += size
    }

    /// Appends raw bytes (already encoded).
    public mutating func writeRaw(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0 else { return }
        guard storage.spill != nil else {
            storage.reserve(raw.count)
            (storage.base + storage.count).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
            storage.count += raw.count
            return
        }
        // In pieces, so a large block never grows the buffer.
        var done = 0
        while done < raw.count {
            if storage.count == storage.capacity { storage.spillWholePieces() }
            let take = min(raw.count - done, storage.capacity - storage.count)
            (storage.base + storage.count).copyMemory(from: raw.baseAddress! + done, byteCount: take)
            storage.count += take
            done += take
        }
    }

    public mutating func writeRaw(_ raw: [UInt8]) { raw.withUnsafeBytes { writeRaw($0) } }

    /// A count or length.
    public mutating func writeCount(_ count: Int) { writeInteger(UInt64(count)) }

    /// Hands the bytes written so far to `sink` and empties the buffer (keeping its memory), so
    /// a large encoding can go to a file piece by piece.
    public mutating func drain(into sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try withUnsafeBytes(sink)
        storage.count = 0
    }

}

/// A value whose memory is its encoding on a little-endian machine (integers, floating point,
/// and structs of them without padding that the type vouches for): arrays of them are written
/// and read as one block. Checkpoints are therefore only read on the byte order they were
/// written in (every platform Swift on Linux supports is little-endian).
public protocol CheckpointTrivial: CheckpointCodable, BitwiseCopyable {}

/// Reads values back from a checkpoint's bytes (see ``CheckpointCodable``).
public struct CheckpointReader {
    let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func read<T: CheckpointCodable>(_: T.Type = T.self) throws(CheckpointError) -> T { try T(from: &self) }

    @inline(__always)
    public mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(CheckpointError) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw .truncated(offset: offset) }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return T(littleEndian: value)
    }

    /// A count written by ``CheckpointWriter/writeCount(_:)``, checked against what is left to read
    /// (each element takes at least `minimumElementBytes`), so a corrupt count cannot allocate wildly.
    public mutating func readCount(minimumElementBytes: Int = 1) throws(CheckpointError) -> Int {
        let at = offset
        let count = try readInteger(UInt64.self)
        guard count <= UInt64(max(0, bytes.count - offset) / max(1, minimumElementBytes)) else {
            throw .invalid("a count of \(count) is more than the data left", offset: at)
        }
        return Int(count)
    }

    public mutating func readRaw(_ count: Int) throws(CheckpointError) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else { throw .truncated(offset: offset) }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// `count` trivial values stored as one block.
    mutating func readTrivial<T: CheckpointTrivial>(_: T.Type, count: Int) throws(CheckpointError) -> [T] {
        let size = count * MemoryLayout<T>.stride
        guard size >= 0, offset + size <= bytes.count else { throw .truncated(offset: offset) }
        let start = offset
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + size)]))
            }
            initialized = count
        }
        offset += size
        return values
    }

    /// Throws ``CheckpointError/invalid(_:offset:)`` at the current offset.
    public func invalid(_ what: String) -> CheckpointError { .invalid(what, offset: offset) }
}

// MARK: - Standard library conformances

extension Int: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(Int64(self)) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Int(try reader.readInteger(Int64.self)) }
}

/// Fixed-width integers are their little-endian bytes.
extension CheckpointCodable where Self: FixedWidthInteger {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

extension Int64: CheckpointTrivial {}
extension Int32: CheckpointTrivial {}
extension UInt64: CheckpointTrivial {}
extension UInt32: CheckpointTrivial {}
extension UInt16: CheckpointTrivial {}
extension UInt8: CheckpointTrivial {}

extension Bool: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(UInt8(self ? 1 : 0)) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        switch try reader.readInteger(UInt8.self) {
        case 0: self = false
        case 1: self = true
        case let other: throw reader.invalid("\(other) is not a boolean")
        }
    }
}

/// Floating point is its bit pattern.
extension Double: CheckpointTrivial {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(bitPattern) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Double(bitPattern: try reader.readInteger()) }
}

extension Float: CheckpointTrivial {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(bitPattern) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Float(bitPattern: try reader.readInteger()) }
}

extension Float16: CheckpointTrivial {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(bitPattern) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Float16(bitPattern: try reader.readInteger()) }
}

extension String: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        var copy = self
        copy.withUTF8 { utf8 in
            writer.writeCount(utf8.count)
            writer.writeRaw(UnsafeRawBufferPointer(utf8))
        }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let count = try reader.readCount()
        let at = reader.offset
        guard let text = String(validating: try reader.readRaw(count), as: UTF8.self) else {
            throw .invalid("a string is not valid UTF-8", offset: at)
        }
        self = text
    }
}

extension Optional: CheckpointCodable where Wrapped: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        switch self {
        case .none: writer.write(false)
        case .some(let value):
            writer.write(true)
            writer.write(value)
        }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        self = try reader.read(Bool.self) ? .some(try reader.read()) : .none
    }
}

extension Array: CheckpointCodable where Element: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.writeCount(count)
        if Element.self is any CheckpointTrivial.Type {
            withUnsafeBytes { writer.writeRaw($0) }
            return
        }
        for element in self { writer.write(element) }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let count = try reader.readCount()
        if let trivial = Element.self as? any CheckpointTrivial.Type {
            self = try Self.readTrivial(trivial, count: count, from: &reader)
            return
        }
        self = []
        reserveCapacity(count)
        for _ in 0..<count { append(try reader.read()) }
    }
}

extension Array {
    fileprivate static func readTrivial<T: CheckpointTrivial>(_: T.Type, count: Int, from reader: inout CheckpointReader) throws(CheckpointError) -> [Element] {
        try reader.readTrivial(T.self, count: count) as! [Element]
    }
}

extension Dictionary: CheckpointCodable where Key: CheckpointCodable, Value: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.writeCount(count)
        for (key, value) in self {
            writer.write(key)
            writer.write(value)
        }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let count = try reader.readCount(minimumElementBytes: 2)
        self = Dictionary(minimumCapacity: count)
        for _ in 0..<count {
            let key: Key = try reader.read()
            self[key] = try reader.read(Value.self)
        }
    }
}

extension Set: CheckpointCodable where Element: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.writeCount(count)
        for element in self { writer.write(element) }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let count = try reader.readCount()
        self = Set(minimumCapacity: count)
        for _ in 0..<count { insert(try reader.read()) }
    }
}

/// Enums with a raw value are written as that value.
extension CheckpointCodable where Self: RawRepresentable, RawValue: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.write(rawValue) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let raw: RawValue = try reader.read()
        guard let value = Self(rawValue: raw) else { throw reader.invalid("'\(raw)' is not a \(Self.self)") }
        self = value
    }
}

extension Severity: CheckpointCodable {}
extension EventKind: CheckpointCodable {}
