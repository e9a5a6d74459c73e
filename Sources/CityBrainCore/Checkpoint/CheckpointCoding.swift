/// A value that can be written into a checkpoint and read back exactly.
///
/// The encoding is positional and compact (little-endian, no field names): a type writes its
/// fields in a fixed order and reads them back in the same order. The checkpoint file carries a
/// format version, so a change to any type's fields must bump ``CheckpointFormat/version``.
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

/// Appends values to a byte buffer (see ``CheckpointCodable``).
public struct CheckpointWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write<T: CheckpointCodable>(_ value: T) { value.write(to: &self) }

    /// Writes an integer's little-endian bytes.
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes (already encoded).
    public mutating func writeRaw(_ raw: some Collection<UInt8>) { bytes.append(contentsOf: raw) }

    /// A count or length.
    public mutating func writeCount(_ count: Int) { writeInteger(UInt64(count)) }
}

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

    public mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(CheckpointError) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw .truncated(offset: offset) }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { target in
            bytes.withUnsafeBytes { source in target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + size)])) }
        }
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

    /// Throws ``CheckpointError/invalid(_:offset:)`` at the current offset.
    public func invalid(_ what: String) -> CheckpointError { .invalid(what, offset: offset) }
}

// MARK: - Standard library conformances

extension Int: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(Int64(self)) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Int(try reader.readInteger(Int64.self)) }
}

extension Int64: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

extension Int32: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

extension UInt64: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

extension UInt32: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

extension UInt16: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

extension UInt8: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(self) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.readInteger() }
}

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

extension Double: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(bitPattern) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Double(bitPattern: try reader.readInteger()) }
}

extension Float: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(bitPattern) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Float(bitPattern: try reader.readInteger()) }
}

extension Float16: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) { writer.writeInteger(bitPattern) }
    public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = Float16(bitPattern: try reader.readInteger()) }
}

extension String: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        var copy = self
        copy.withUTF8 { utf8 in
            writer.writeCount(utf8.count)
            writer.writeRaw(utf8)
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
        for element in self { writer.write(element) }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let count = try reader.readCount()
        self = []
        reserveCapacity(count)
        for _ in 0..<count { append(try reader.read()) }
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
