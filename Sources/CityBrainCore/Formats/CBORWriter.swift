/// Writes CBOR (RFC 8949) in its preferred serialization: shortest integer heads, definite
/// lengths, doubles only where a float would lose precision. What ``SenMLEncoder`` writes SenML
/// CBOR with.
public struct CBORWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func arrayHeader(count: Int) { head(major: 4, UInt64(count)) }
    public mutating func mapHeader(count: Int) { head(major: 5, UInt64(count)) }

    public mutating func text(_ value: String) {
        head(major: 3, UInt64(value.utf8.count))
        bytes += value.utf8
    }

    public mutating func integer(_ value: Int64) {
        if value >= 0 { head(major: 0, UInt64(value)) } else { head(major: 1, UInt64(-1 - value)) }
    }

    /// An integral value as an integer; others as a single-precision float when that is exact,
    /// else as a double.
    public mutating func number(_ value: Double) {
        if value == value.rounded(), abs(value) < 9e15 {
            integer(Int64(value))
        } else if Double(Float(value)) == value {
            bytes.append(0xFA)
            append(UInt64(Float(value).bitPattern), byteCount: 4)
        } else {
            bytes.append(0xFB)
            append(value.bitPattern, byteCount: 8)
        }
    }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 0xF5 : 0xF4) }

    private mutating func head(major: UInt8, _ argument: UInt64) {
        let type = major << 5
        switch argument {
        case 0..<24: bytes.append(type | UInt8(argument))
        case 24..<0x100: bytes.append(type | 24); append(argument, byteCount: 1)
        case 0x100..<0x1_0000: bytes.append(type | 25); append(argument, byteCount: 2)
        case 0x1_0000..<0x1_0000_0000: bytes.append(type | 26); append(argument, byteCount: 4)
        default: bytes.append(type | 27); append(argument, byteCount: 8)
        }
    }

    private mutating func append(_ value: UInt64, byteCount: Int) {
        for shift in stride(from: (byteCount - 1) * 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
