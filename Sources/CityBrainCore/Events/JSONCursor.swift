/// A position in a JSON text and the grammar's pieces read from there: strings (validated
/// UTF-8, escapes), numbers (exact fast path), whitespace. Errors are ``FrameRejection``s of
/// reason ``RejectReason/malformedJSON`` (or `wrongType`/`nonFinite` for a value of the wrong
/// sort) naming the field and the byte offset.
///
/// Shared by the native event scanner (``EventDecoder``) and the JSON tree reader
/// (``JSONValue``) the standard formats are decoded from.
struct JSONCursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Whether the last byte other than whitespace is '}'.
    var endsLikeAnObject: Bool {
        var end = bytes.count - 1
        while end >= 0, bytes[end] == 0x20 || bytes[end] == 0x0A || bytes[end] == 0x0D || bytes[end] == 0x09 { end -= 1 }
        return end >= 0 && bytes[end] == UInt8(ascii: "}")
    }

    /// After a member or an element: skips whitespace, then reads `,` (more follow: `false`) or
    /// `closing` (the object or array ends: `true`). `place` and `name` say where, for errors
    /// ("after field 'ts'", "between records"); nothing is built unless there is one.
    @inline(__always)
    mutating func reachedEnd(_ closing: UInt8, _ place: StaticString, _ name: String? = nil) throws(FrameRejection) -> Bool {
        skipWhitespace()
        guard let next = peek(), next == UInt8(ascii: ",") || next == closing else { throw endError(closing, place, name) }
        index += 1
        return next == closing
    }

    private func endError(_ closing: UInt8, _ place: StaticString, _ name: String?) -> FrameRejection {
        let place = "\(place)" + (name.map { " '\($0)'" } ?? "")
        guard peek() != nil else { return malformed("unexpected end of frame \(place)") }
        return malformed("expected ',' or '\(Character(Unicode.Scalar(closing)))' \(place)")
    }

    // MARK: Values

    mutating func scanStringValue(field: String) throws(FrameRejection) -> String {
        guard peek() == UInt8(ascii: "\"") else {
            throw FrameRejection(.wrongType, "field '\(field)' must be a string, found \(describeValue())")
        }
        return try scanString(valueOf: field)
    }

    mutating func scanNumberValue(field: String) throws(FrameRejection) -> Double {
        guard let first = peek() else { throw malformed("missing value for field '\(field)'") }
        switch first {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if first == UInt8(ascii: "-"), peek(offset: 1) == UInt8(ascii: "I") {
                throw FrameRejection(.nonFinite, "field '\(field)' is -Infinity")
            }
            let value = try scanNumber(field: field)
            guard value.isFinite else { throw FrameRejection(.nonFinite, "field '\(field)' overflows a double") }
            return value
        case UInt8(ascii: "N"):
            throw FrameRejection(.nonFinite, "field '\(field)' is NaN")
        case UInt8(ascii: "I"):
            throw FrameRejection(.nonFinite, "field '\(field)' is Infinity")
        default:
            throw FrameRejection(.wrongType, "field '\(field)' must be a number, found \(describeValue())")
        }
    }

    func describeValue() -> String {
        guard let byte = peek() else { return "the end of the frame" }
        switch byte {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        default: return "an invalid value"
        }
    }

    /// JSON number grammar; exact for up to 15 significant digits with |exponent| ≤ 22
    /// (Clinger's fast path), otherwise the standard library's correctly rounded parser.
    mutating func scanNumber(field: String) throws(FrameRejection) -> Double {
        let start = index
        // Digits read straight from the buffer: `peek()`'s optional and bounds check per digit
        // were a third of this function (a frame has half a dozen numbers).
        let base = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
        let end = bytes.count
        /// The digit at `position`, or 10 or more for anything else (the end too).
        @inline(__always) func digit(_ position: Int) -> UInt8 { position < end ? base.unsafelyUnwrapped[position] &- 48 : 10 }
        var position = index
        var negative = false
        if position < end, base.unsafelyUnwrapped[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        let lead = digit(position)
        guard lead < 10 else { index = position; throw malformed("invalid number for field '\(field)'") }
        if lead == 0 {
            position += 1
            guard digit(position) >= 10 else { index = position; throw malformed("number with a leading zero for field '\(field)'") }
        } else {
            while case let value = digit(position), value < 10 {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(value); digits += 1 } else { exponent += 1 }
                position += 1
            }
        }
        if position < end, base.unsafelyUnwrapped[position] == UInt8(ascii: ".") {
            position += 1
            guard digit(position) < 10 else { index = position; throw malformed("digit expected after '.' in field '\(field)'") }
            while case let value = digit(position), value < 10 {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(value); digits += 1; exponent -= 1 }
                position += 1
            }
        }
        index = position
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                index += 1
            }
            guard let byte = peek(), isDigit(byte) else { throw malformed("digit expected in exponent of field '\(field)'") }
            var value = 0
            while let byte = peek(), isDigit(byte) {
                if value < 100_000 { value = value * 10 + Int(byte - 48) }
                index += 1
            }
            exponent += exponentNegative ? -value : value
        }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        if digits <= 15, (-22...22).contains(exponent) {
            // At most 15 digits: a signed conversion, one instruction (the unsigned one is a
            // generic call, a sixth of this function).
            var value = Double(Int64(bitPattern: mantissa))
            value = exponent < 0 ? value / Self.powerOfTen(-exponent) : value * Self.powerOfTen(exponent)
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw malformed("invalid number for field '\(field)'") }
        return value
    }

    /// 10^`exponent` for 0...22, each exact in a double. Written out: read for every number of
    /// every frame, a `static let` table cost a `swift_once` call each time.
    @inline(__always)
    static func powerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    // MARK: Strings

    /// Scans a JSON string starting at its opening quote; the result must be valid UTF-8.
    /// - Parameter field: the field whose value this is; `nil` for a field name. Named in errors
    ///   only, so no text is built for a good frame.
    mutating func scanString(valueOf field: String?) throws(FrameRejection) -> String {
        index += 1  // opening quote
        let start = index
        var ascii = true
        // Eight bytes at a time up to the first that ends or escapes the string or is not allowed
        // in it; the loop below takes that one.
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian
            let stop = Self.matching(word, UInt8(ascii: "\"")) | Self.matching(word, UInt8(ascii: "\\"))
                | Self.controlBytes(word)
            let plain = stop == 0 ? 8 : stop.trailingZeroBitCount / 8
            if word & Self.lowBytes(plain) & 0x8080_8080_8080_8080 != 0 { ascii = false }
            index += plain
            if plain < 8 { break }
        }
        while let byte = peek() {
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII (ids, field names) is valid UTF-8 as it is: copied without the generic
                // validating initialiser, whose metadata lookups cost more than the copy.
                if ascii { return Self.asciiString(raw) }
                guard let text = String(validating: raw, as: UTF8.self) else {
                    throw malformed("\(Self.describe(field)) is not valid UTF-8")
                }
                return text
            }
            if byte == UInt8(ascii: "\\") { return try scanEscapedString(from: start, valueOf: field) }
            if byte < 0x20 { throw malformed("control character inside \(Self.describe(field))") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw malformed("unterminated string in \(Self.describe(field))")
    }

    static func describe(_ field: String?) -> String { field.map { "field '\($0)'" } ?? "field name" }

    /// Scans a string starting at its opening quote into a ``PackedName``, when it is plain
    /// ASCII of at most ``PackedName/capacity`` bytes with no escape; otherwise returns `nil` and
    /// leaves the cursor where it was, for ``scanString(valueOf:)`` to read it (and to report
    /// what is wrong with it).
    @inline(__always)
    mutating func scanPackedName() -> PackedName? {
        let first = index + 1
        if first + PackedName.capacity <= bytes.count {
            // Sixteen bytes at once: the first quote, and the first byte a packed name cannot
            // hold (control, non-ASCII, backslash). Byte-by-byte, this loop was the largest part
            // of `scanFieldName` (a frame has half a dozen names).
            let low = bytes.loadUnaligned(fromByteOffset: first, as: UInt64.self).littleEndian
            let high = bytes.loadUnaligned(fromByteOffset: first + 8, as: UInt64.self).littleEndian
            let quote = Self.firstByte(Self.matching(low, UInt8(ascii: "\"")), Self.matching(high, UInt8(ascii: "\"")))
            let unfit = Self.firstByte(Self.unfitForName(low), Self.unfitForName(high))
            if quote < PackedName.capacity {
                guard unfit > quote else { return nil }
                index = first + quote + 1
                return PackedName(low: low & Self.lowBytes(min(quote, 8)), high: high & Self.lowBytes(max(quote - 8, 0)), count: quote)
            }
            // No quote among them: too long to pack, unless the quote comes right after.
            guard unfit == PackedName.capacity else { return nil }
        }
        var name = PackedName()
        var position = first
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                index = position + 1
                return name
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\"), name.append(byte) else { return nil }
            position += 1
        }
        return nil
    }

    // MARK: Eight bytes at a time (byte 0 the lowest)

    /// The high bit of each byte of `word` equal to `byte`; exact up to the first one (borrows
    /// may flag bytes after it), which is all ``firstByte(_:_:)`` reads.
    @inline(__always)
    static func matching(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let difference = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (difference &- 0x0101_0101_0101_0101) & ~difference & 0x8080_8080_8080_8080
    }

    /// The high bit of each byte of `word` a packed name cannot hold: below 0x20, from 0x80,
    /// or a backslash; exact up to the first one.
    @inline(__always)
    static func unfitForName(_ word: UInt64) -> UInt64 {
        controlBytes(word) | (word & 0x8080_8080_8080_8080) | matching(word, UInt8(ascii: "\\"))
    }

    /// The high bit of each byte of `word` below 0x20 (a control character); exact up to the first.
    @inline(__always)
    static func controlBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
    }

    /// The position (0–15) of the first byte flagged in `low`, then `high`; 16 if none is.
    @inline(__always)
    static func firstByte(_ low: UInt64, _ high: UInt64) -> Int {
        low != 0 ? low.trailingZeroBitCount / 8 : high != 0 ? 8 + high.trailingZeroBitCount / 8 : 16
    }

    /// A mask of the lowest `count` bytes (0–8).
    @inline(__always)
    static func lowBytes(_ count: Int) -> UInt64 {
        count >= 8 ? ~0 : (1 << (8 * UInt64(count))) &- 1
    }

    /// A `String` of ASCII bytes.
    @inline(__always)
    static func asciiString(_ raw: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: raw.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            return raw.count
        }
    }

    mutating func scanEscapedString(from start: Int, valueOf field: String?) throws(FrameRejection) -> String {
        var buffer = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while let byte = peek() {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw malformed("\(Self.describe(field)) is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { break }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try scanHex4(field: Self.describe(field))
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard peek() == UInt8(ascii: "\\"), peek(offset: 1) == UInt8(ascii: "u") else {
                            throw malformed("unpaired surrogate in \(Self.describe(field))")
                        }
                        index += 2
                        let low = try scanHex4(field: Self.describe(field))
                        guard (0xDC00...0xDFFF).contains(low) else { throw malformed("unpaired surrogate in \(Self.describe(field))") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw malformed("unpaired surrogate in \(Self.describe(field))")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw malformed("invalid \\u escape in \(Self.describe(field))") }
                    buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw malformed("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in \(Self.describe(field))")
                }
            default:
                if byte < 0x20 {
                    index -= 1  // named at its own byte, as in a string without escapes
                    throw malformed("control character inside \(Self.describe(field))")
                }
                buffer.append(byte)
            }
        }
        throw malformed("unterminated string in \(Self.describe(field))")
    }

    mutating func scanHex4(field: String) throws(FrameRejection) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw malformed("truncated \\u escape in \(field)") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 55
            default: throw malformed("invalid \\u escape in \(field)")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: Bytes

    @inline(__always)
    func peek(offset: Int = 0) -> UInt8? {
        let position = index + offset
        return position < bytes.count ? bytes[position] : nil
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    @inline(__always)
    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    func malformed(_ what: String) -> FrameRejection {
        FrameRejection(.malformedJSON, "\(what) at byte \(index)")
    }
}
