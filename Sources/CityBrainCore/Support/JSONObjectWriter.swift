/// Builds one flat JSON object as text, fields in the order they are written.
///
/// Deterministic by construction: the same calls give the same bytes, which replay and golden
/// tests rely on. Integral doubles are written without a fraction (`20`, not `20.0`); non-finite
/// doubles become `null`.
public struct JSONObjectWriter: Sendable {
    private var text = "{"
    private var empty = true

    public init() {}

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

    /// Appends `value` as a JSON string literal with the required escapes.
    public static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
