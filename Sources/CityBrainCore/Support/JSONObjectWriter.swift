/// Builds one flat JSON object as text, fields in the order they are written.
///
/// Deterministic by construction: the same calls give the same bytes, which replay and golden
/// tests rely on. Integral doubles are written without a fraction (`20`, not `20.0`); non-finite
/// doubles become `null`.
public struct JSONObjectWriter: Sendable {
    private var text: String
    private var empty = true

    public init() {
        text = "{"
        text.reserveCapacity(256)
    }

    public mutating func field(_ key: String, _ value: String?) {
        writeKey(key)
        if let value { Self.appendQuoted(value, to: &text) } else { text += "null" }
    }

    public mutating func field(_ key: String, _ value: Int64) {
        writeKey(key)
        text += String(value)
    }

    public mutating func field(_ key: String, _ value: UInt64) {
        writeKey(key)
        text += String(value)
    }

    public mutating func field(_ key: String, _ value: Double?) {
        writeKey(key)
        text += Self.number(value)
    }

    /// Writes a JSON array of strings.
    public mutating func field(_ key: String, strings: [String]) {
        writeKey(key)
        text += "["
        for (index, string) in strings.enumerated() {
            if index > 0 { text += "," }
            Self.appendQuoted(string, to: &text)
        }
        text += "]"
    }

    /// Writes `json` verbatim as the value: it must already be valid JSON.
    public mutating func field(_ key: String, json: String) {
        writeKey(key)
        text += json
    }

    /// The finished object.
    public mutating func finish() -> String {
        text += "}"
        return text
    }

    private mutating func writeKey(_ key: String) {
        if !empty { text += "," }
        empty = false
        Self.appendQuoted(key, to: &text)
        text += ":"
    }

    /// A JSON number for `value`: shortest round-trip form, integers without a fraction,
    /// `null` for nil, NaN and infinities.
    public static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Appends `value` as a JSON string literal with the required escapes. A string that needs
    /// none (nearly all: ids, names, messages) is appended whole; one that does is escaped byte
    /// by byte (every byte to escape is ASCII, so UTF-8 sequences pass through untouched).
    /// Appending scalar by scalar cost 17 µs per alert and made the alert sink the slowest stage
    /// of a close burst.
    public static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        if value.utf8.contains(where: needsEscape) {
            text += escaped(value)
        } else {
            text += value
        }
        text += "\""
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func escaped(_ value: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 16)
        let hexDigits = Array("0123456789abcdef".utf8)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20:
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                          hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
