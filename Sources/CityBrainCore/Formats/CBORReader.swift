/// Reads one CBOR data item (RFC 8949) into a ``JSONValue``: what SenML CBOR (RFC 8428 §6)
/// is decoded from.
///
/// Integers and floats (half, single, double) become numbers, text strings strings, byte strings
/// ``JSONValue/bytes(_:)``; map keys that are integers (SenML's labels) become their decimal
/// text (`-2` for `bn`). Tags are read through. Definite and indefinite lengths are accepted; a
/// length larger than the bytes left, nesting deeper than ``JSONValue/maxDepth``, or bytes after
/// the item are rejected as ``RejectReason/malformedCBOR`` with the byte offset.
public struct CBORReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(FrameRejection) -> JSONValue {
        var reader = CBORReader(bytes: bytes)
        guard !bytes.isEmpty else { throw reader.malformed("empty frame") }
        let value = try reader.item(depth: 0)
        guard reader.index == bytes.count else { throw reader.malformed("unexpected data after the CBOR item") }
        return value
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Whether `bytes` begin like a CBOR array or map, which no JSON text does: how a SenML CBOR
    /// pack is told from JSON without a format flag.
    public static func looksLikeCBOR(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first else { return false }
        let major = first >> 5
        return major == 4 || major == 5 || (major == 6 && bytes.count > 1)
    }

    private mutating func item(depth: Int) throws(FrameRejection) -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw malformed("nesting deeper than \(JSONValue.maxDepth) levels") }
        let initial = try byte()
        let major = initial >> 5
        let additional = initial & 0x1F
        switch major {
        case 0:
            return .number(Double(try argument(additional)))
        case 1:
            return .number(-1 - Double(try argument(additional)))
        case 2:
            return .bytes(try string(additional, major: 2))
        case 3:
            let raw = try string(additional, major: 3)
            guard let text = String(validating: raw, as: UTF8.self) else { throw malformed("text string is not valid UTF-8") }
            return .string(text)
        case 4:
            var elements: [JSONValue] = []
            if additional == 31 {
                while try !atBreak() { elements.append(try item(depth: depth + 1)) }
            } else {
                let count = try length(additional)
                elements.reserveCapacity(count)
                for _ in 0..<count { elements.append(try item(depth: depth + 1)) }
            }
            return .array(elements)
        case 5:
            var members: [JSONMember] = []
            func member(_ reader: inout CBORReader) throws(FrameRejection) {
                let key = try reader.item(depth: depth + 1)
                let name: String
                switch key {
                case .string(let text): name = text
                case .number(let value) where value == value.rounded() && abs(value) < 1e15: name = String(Int64(value))
                default: throw reader.malformed("map key is \(key.typeDescription); expected a text string or an integer")
                }
                guard !members.contains(where: { $0.key == name }) else { throw reader.malformed("duplicate map key '\(name)'") }
                members.append(JSONMember(name, try reader.item(depth: depth + 1)))
            }
            if additional == 31 {
                while try !atBreak() { try member(&self) }
            } else {
                let count = try length(additional)
                for _ in 0..<count { try member(&self) }
            }
            return .object(members)
        case 6:
            _ = try argument(additional)
            return try item(depth: depth + 1)
        default:
            return try simple(additional)
        }
    }

    private mutating func simple(_ additional: UInt8) throws(FrameRejection) -> JSONValue {
        switch additional {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22, 23: return .null
        case 25:
            let bits = UInt16(try fixed(2))
            return .number(Double(Float16(bitPattern: bits)))
        case 26:
            let bits = UInt32(try fixed(4))
            return .number(Double(Float(bitPattern: bits)))
        case 27:
            return .number(Double(bitPattern: try fixed(8)))
        case 31:
            throw malformed("unexpected break")
        default:
            throw malformed("unsupported simple value \(additional)")
        }
    }

    /// A byte or text string's bytes, joining the chunks of an indefinite one.
    private mutating func string(_ additional: UInt8, major: UInt8) throws(FrameRejection) -> [UInt8] {
        guard additional == 31 else {
            let count = try length(additional)
            defer { index += count }
            return Array(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + count)]))
        }
        var joined: [UInt8] = []
        while try !atBreak() {
            let chunk = try byte()
            guard chunk >> 5 == major, chunk & 0x1F != 31 else { throw malformed("bad chunk in an indefinite-length string") }
            joined += try string(chunk & 0x1F, major: major)
        }
        return joined
    }

    /// A length that must fit in the bytes left (an element takes at least one byte).
    private mutating func length(_ additional: UInt8) throws(FrameRejection) -> Int {
        let value = try argument(additional)
        guard value <= UInt64(bytes.count - index) else {
            throw malformed("length \(value) exceeds the \(bytes.count - index) bytes left")
        }
        return Int(value)
    }

    private mutating func argument(_ additional: UInt8) throws(FrameRejection) -> UInt64 {
        switch additional {
        case 0...23: return UInt64(additional)
        case 24: return try fixed(1)
        case 25: return try fixed(2)
        case 26: return try fixed(4)
        case 27: return try fixed(8)
        default: throw malformed("invalid additional information \(additional)")
        }
    }

    /// A big-endian unsigned integer of `count` bytes.
    private mutating func fixed(_ count: Int) throws(FrameRejection) -> UInt64 {
        guard index + count <= bytes.count else { throw malformed("the frame ends inside an item (truncated?)") }
        var value: UInt64 = 0
        for offset in 0..<count { value = value << 8 | UInt64(bytes[index + offset]) }
        index += count
        return value
    }

    private mutating func byte() throws(FrameRejection) -> UInt8 {
        UInt8(try fixed(1))
    }

    /// Consumes a break (0xFF) if one is next.
    private mutating func atBreak() throws(FrameRejection) -> Bool {
        guard index < bytes.count else { throw malformed("the frame ends inside an indefinite-length item (truncated?)") }
        guard bytes[index] == 0xFF else { return false }
        index += 1
        return true
    }

    private func malformed(_ what: String) -> FrameRejection {
        FrameRejection(.malformedCBOR, "\(what) at byte \(index)")
    }
}
