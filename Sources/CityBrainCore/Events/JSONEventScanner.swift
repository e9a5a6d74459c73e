/// The one-pass scanner behind ``EventDecoder``. Internal: its contract is the decoder's.
struct JSONEventScanner {
    private let bytes: UnsafeRawBufferPointer
    private let declaredKinds: Set<EventKind>
    private var index = 0

    init(bytes: UnsafeRawBufferPointer, declaredKinds: Set<EventKind> = []) {
        self.bytes = bytes
        self.declaredKinds = declaredKinds
    }

    // MARK: Object

    mutating func scanEvent() throws(FrameRejection) -> Event {
        do {
            return try scanObject()
        } catch where error.reason != .malformedJSON && !endsLikeAnObject {
            // A frame cut short can look like a wrong type (`"speed_kmh":tr`) or a number out of
            // range (`"ts":17322`) before its end is reached: a frame that does not end with '}'
            // is malformed first.
            throw FrameRejection(.malformedJSON, "the frame ends before its JSON object does (\(bytes.count) bytes; truncated?)")
        }
    }

    /// Whether the last byte other than whitespace is '}'.
    private var endsLikeAnObject: Bool {
        var end = bytes.count - 1
        while end >= 0, bytes[end] == 0x20 || bytes[end] == 0x0A || bytes[end] == 0x0D || bytes[end] == 0x09 { end -= 1 }
        return end >= 0 && bytes[end] == UInt8(ascii: "}")
    }

    private mutating func scanObject() throws(FrameRejection) -> Event {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }  // UTF-8 BOM
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else {
            throw malformed(peek() == nil ? "empty frame" : "expected '{' to start a JSON object")
        }
        index += 1

        var kindText: String?
        var sensor: String?
        var district: String?
        var timestamp: Int64?
        var sequence: Int64?
        var readings: [Reading] = []

        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw malformed("expected a quoted field name") }
                let key = try scanString(valueOf: nil)
                let field = Field(key)
                // Duplicates are found without a per-frame set: the fixed fields by their values,
                // measurements by a scan of the (few) readings so far.
                let duplicate = switch field {
                case .kind: kindText != nil
                case .sensor: sensor != nil
                case .district: district != nil
                case .ts: timestamp != nil
                case .seq: sequence != nil
                case .measurement: readings.contains { $0.name == key }
                }
                guard !duplicate else { throw malformed("duplicate field '\(key)'") }
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw malformed("expected ':' after field '\(key)'") }
                index += 1
                skipWhitespace()
                switch field {
                case .kind: kindText = try scanStringValue(field: key)
                case .sensor: sensor = try scanStringValue(field: key)
                case .district: district = try scanStringValue(field: key)
                case .ts: timestamp = try scanTimestamp()
                case .seq: sequence = try scanSequence()
                case .measurement:
                    guard readings.count < MeasurementLimits.maxMeasurements else {
                        throw FrameRejection(.outOfRange, "more than \(MeasurementLimits.maxMeasurements) readings")
                    }
                    readings.append(Reading(key, try scanNumberValue(field: key)))
                }
                skipWhitespace()
                guard let next = peek() else { throw malformed("unexpected end of frame after field '\(key)'") }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else {
                    index -= 1
                    throw malformed("expected ',' or '}' after field '\(key)'")
                }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw malformed("unexpected data after the JSON object") }

        guard let kindText else { throw FrameRejection(.missingField, "required field 'kind' is missing") }
        guard let sensor else { throw FrameRejection(.missingField, "required field 'sensor' is missing") }
        guard let timestamp else { throw FrameRejection(.missingField, "required field 'ts' is missing") }
        guard let kind = knownKind(kindText) else {
            let known = (EventKind.builtIn + declaredKinds.sorted()).map(\.rawValue).joined(separator: ", ")
            throw FrameRejection(.unknownKind, "unknown kind '\(kindText.prefix(40))'; expected one of \(known)")
        }
        let event = Event(kind: kind, sensor: sensor, district: district, timestamp: timestamp, readings: readings, sequence: sequence)
        try EventValidation.check(event)
        return event
    }

    /// The kind `text` names, if the decoder knows it: the built-in ones first, by comparison.
    private func knownKind(_ text: String) -> EventKind? {
        for kind in EventKind.builtIn where kind.rawValue == text { return kind }
        guard !declaredKinds.isEmpty, let kind = EventKind(rawValue: text), declaredKinds.contains(kind) else { return nil }
        return kind
    }

    /// What a field name stands for: one comparison per field instead of a string switch.
    private enum Field {
        case kind, sensor, district, ts, seq, measurement

        init(_ name: String) {
            self = switch name.utf8.count {
            case 2: name == "ts" ? .ts : .measurement
            case 3: name == "seq" ? .seq : .measurement
            case 4: name == "kind" ? .kind : .measurement
            case 6: name == "sensor" ? .sensor : .measurement
            case 8: name == "district" ? .district : .measurement
            default: .measurement
            }
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    // MARK: Values

    private mutating func scanStringValue(field: String) throws(FrameRejection) -> String {
        guard peek() == UInt8(ascii: "\"") else {
            throw FrameRejection(.wrongType, "field '\(field)' must be a string, found \(describeValue())")
        }
        return try scanString(valueOf: field)
    }

    private mutating func scanTimestamp() throws(FrameRejection) -> Int64 {
        let value = try scanNumberValue(field: "ts")
        guard value == value.rounded(.towardZero) else {
            throw FrameRejection(.wrongType, "field 'ts' must be an integer number of Unix milliseconds, found \(value)")
        }
        guard value >= Double(MeasurementLimits.timestamps.lowerBound), value <= Double(MeasurementLimits.timestamps.upperBound) else {
            throw FrameRejection(.outOfRange, "field 'ts' = \(format(value)) is outside 2000-01-01…2100-01-01 in Unix milliseconds")
        }
        return Int64(value)
    }

    private mutating func scanSequence() throws(FrameRejection) -> Int64 {
        let value = try scanNumberValue(field: "seq")
        guard value == value.rounded(.towardZero) else {
            throw FrameRejection(.wrongType, "field 'seq' must be an integer message counter, found \(value)")
        }
        guard value >= 0, value < 9e15 else {
            throw FrameRejection(.outOfRange, "field 'seq' = \(format(value)) must be between 0 and 9e15")
        }
        return Int64(value)
    }

    private mutating func scanNumberValue(field: String) throws(FrameRejection) -> Double {
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

    private func describeValue() -> String {
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
    private mutating func scanNumber(field: String) throws(FrameRejection) -> Double {
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") { negative = true; index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        guard let lead = peek(), isDigit(lead) else { throw malformed("invalid number for field '\(field)'") }
        if lead == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), isDigit(next) { throw malformed("number with a leading zero for field '\(field)'") }
        } else {
            while let byte = peek(), isDigit(byte) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(byte &- 48); digits += 1 } else { exponent += 1 }
                index += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let byte = peek(), isDigit(byte) else { throw malformed("digit expected after '.' in field '\(field)'") }
            while let byte = peek(), isDigit(byte) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(byte &- 48); digits += 1; exponent -= 1 }
                index += 1
            }
        }
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
            var value = Double(mantissa)
            value = exponent < 0 ? value / Self.powersOfTen[-exponent] : value * Self.powersOfTen[exponent]
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw malformed("invalid number for field '\(field)'") }
        return value
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    // MARK: Strings

    /// Scans a JSON string starting at its opening quote; the result must be valid UTF-8.
    /// - Parameter field: the field whose value this is; `nil` for a field name. Named in errors
    ///   only, so no text is built for a good frame.
    private mutating func scanString(valueOf field: String?) throws(FrameRejection) -> String {
        index += 1  // opening quote
        let start = index
        var ascii = true
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

    private static func describe(_ field: String?) -> String { field.map { "field '\($0)'" } ?? "field name" }

    /// A `String` of ASCII bytes.
    @inline(__always)
    private static func asciiString(_ raw: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: raw.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            return raw.count
        }
    }

    private mutating func scanEscapedString(from start: Int, valueOf field: String?) throws(FrameRejection) -> String {
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
                if byte < 0x20 { throw malformed("control character inside \(Self.describe(field))") }
                buffer.append(byte)
            }
        }
        throw malformed("unterminated string in \(Self.describe(field))")
    }

    private mutating func scanHex4(field: String) throws(FrameRejection) -> UInt32 {
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
    private func peek(offset: Int = 0) -> UInt8? {
        let position = index + offset
        return position < bytes.count ? bytes[position] : nil
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    @inline(__always)
    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func malformed(_ what: String) -> FrameRejection {
        FrameRejection(.malformedJSON, "\(what) at byte \(index)")
    }
}
