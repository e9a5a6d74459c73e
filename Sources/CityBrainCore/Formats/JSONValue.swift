/// A JSON (or CBOR) document as a tree: what the standard feed formats (SenML, NGSI-LD) are
/// decoded from, since their shapes nest and their fields come in any order.
///
/// Objects keep their members in order as an array (they are small; a lookup is a short scan).
/// CBOR byte strings, which JSON lacks, are ``bytes(_:)``.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case bytes([UInt8])
    case array([JSONValue])
    case object([JSONMember])

    /// Deepest nesting accepted: deeper documents are rejected instead of exhausting the stack.
    public static let maxDepth = 32

    /// The member called `key` of an object; `nil` for a missing member or a value that is not
    /// an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// How a person would name the value's type in an error: "a string", "an array", ….
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .bytes: "a byte string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Parses one JSON text (RFC 8259): exactly one value, whitespace around it, no duplicate
    /// member names, at most ``maxDepth`` levels.
    public static func parse(json bytes: UnsafeRawBufferPointer) throws(FrameRejection) -> JSONValue {
        var reader = JSONTreeReader(cursor: JSONCursor(bytes: bytes))
        return try reader.document()
    }

    /// Parses one JSON text held in an array.
    public static func parse(json bytes: [UInt8]) throws(FrameRejection) -> JSONValue {
        let result: Result<JSONValue, FrameRejection> = bytes.withUnsafeBytes { buffer in
            Result { () throws(FrameRejection) in try parse(json: buffer) }
        }
        return try result.get()
    }
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// Builds a ``JSONValue`` from a ``JSONCursor``, recursively.
struct JSONTreeReader {
    var cursor: JSONCursor

    mutating func document() throws(FrameRejection) -> JSONValue {
        let bytes = cursor.bytes
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { cursor.index = 3 }  // UTF-8 BOM
        cursor.skipWhitespace()
        guard cursor.peek() != nil else { throw cursor.malformed("empty frame") }
        let value = try value(depth: 0, field: "document")
        cursor.skipWhitespace()
        guard cursor.index == bytes.count else { throw cursor.malformed("unexpected data after the JSON value") }
        return value
    }

    mutating func value(depth: Int, field: String) throws(FrameRejection) -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw cursor.malformed("nesting deeper than \(JSONValue.maxDepth) levels") }
        guard let first = cursor.peek() else { throw cursor.malformed("missing value for '\(field)'") }
        switch first {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth, field: field)
        case UInt8(ascii: "\""): return .string(try cursor.scanString(valueOf: field))
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"):
            return .number(try cursor.scanNumberValue(field: field))
        default: throw cursor.malformed("unexpected character in the value of '\(field)'")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(FrameRejection) -> JSONValue {
        let length = word.utf8CodeUnitCount
        let text = UnsafeRawBufferPointer(start: word.utf8Start, count: length)
        guard cursor.index + length <= cursor.bytes.count,
              cursor.bytes[cursor.index..<(cursor.index + length)].elementsEqual(text) else {
            throw cursor.malformed("invalid literal")
        }
        cursor.index += length
        return value
    }

    private mutating func object(depth: Int) throws(FrameRejection) -> JSONValue {
        cursor.index += 1
        var members: [JSONMember] = []
        var names: Set<String> = []
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.index += 1
            return .object(members)
        }
        while true {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.malformed("expected a quoted member name") }
            let key = try cursor.scanString(valueOf: nil)
            // Small objects are checked by a scan, larger ones by a set: no quadratic frames.
            let duplicate: Bool
            if members.count < 16 {
                duplicate = members.contains { $0.key == key }
            } else {
                if names.isEmpty { names = Set(members.map(\.key)) }
                duplicate = !names.insert(key).inserted
            }
            guard !duplicate else { throw cursor.malformed("duplicate member '\(key)'") }
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.malformed("expected ':' after member '\(key)'") }
            cursor.index += 1
            cursor.skipWhitespace()
            members.append(JSONMember(key, try value(depth: depth + 1, field: key)))
            if try cursor.reachedEnd(UInt8(ascii: "}"), "after member", key) { return .object(members) }
        }
    }

    private mutating func array(depth: Int, field: String) throws(FrameRejection) -> JSONValue {
        cursor.index += 1
        var elements: [JSONValue] = []
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "]") {
            cursor.index += 1
            return .array(elements)
        }
        while true {
            cursor.skipWhitespace()
            elements.append(try value(depth: depth + 1, field: field))
            if try cursor.reachedEnd(UInt8(ascii: "]"), "inside an array") { return .array(elements) }
        }
    }
}
