@testable import CityBrainCore
import Testing

@Suite("The JSON cursor: numbers, strings and packed names")
struct JSONCursorTests {
    private func scanNumber(_ text: String) throws(FrameRejection) -> (Double, Int) {
        var text = text
        let result: Result<(Double, Int), FrameRejection> = text.withUTF8 { buffer in
            var cursor = JSONCursor(bytes: UnsafeRawBufferPointer(buffer))
            return Result { () throws(FrameRejection) in (try cursor.scanNumber(field: "x"), cursor.index) }
        }
        return try result.get()
    }

    @Test("integers and decimals of 1-22 digits read as the standard library reads their text, and end where the number ends")
    func agreesWithStandardLibrary() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let integerDigits = 1 + Int(random.next() % 22)
            var text = String(1 + random.next() % 9) + String((1..<integerDigits).map { _ in Character(String(random.next() % 10)) })
            if random.next() % 2 == 0 { text += "." + String((0...(random.next() % 8)).map { _ in Character(String(random.next() % 10)) }) }
            if random.next() % 4 == 0 { text = "-" + text }
            // What follows the number does not join it.
            let (value, end) = try scanNumber(text + ",12345678")
            #expect(value == Double(text)!, "\(text)")
            #expect(end == text.utf8.count)
        }
        #expect(try scanNumber("1732269600000}").0 == 1_732_269_600_000)
        #expect(try scanNumber("12345678").0 == 12_345_678 && scanNumber("123456789").0 == 123_456_789)
    }

    private func scanString(_ bytes: [UInt8]) -> Result<(String, Int), FrameRejection> {
        bytes.withUnsafeBytes { buffer in
            var cursor = JSONCursor(bytes: buffer)
            return Result { () throws(FrameRejection) in (try cursor.scanString(valueOf: "x"), cursor.index) }
        }
    }

    @Test("strings of ASCII, UTF-8, escapes and control characters read as their pieces say, errors at the offending byte")
    func strings() throws {
        var random = SplitMix64(seed: 13)
        // (JSON bytes, the text they stand for); nil text: a raw control character.
        let pieces: [([UInt8], String?)] = [
            (Array("a".utf8), "a"), (Array("seg-0042".utf8), "seg-0042"), (Array("é".utf8), "é"), (Array("€".utf8), "€"),
            (Array(#"\""#.utf8), "\""), (Array(#"\n"#.utf8), "\n"), (Array(#"\u00e9"#.utf8), "é"), ([0x01], nil),
        ]
        for _ in 0..<20_000 {
            var json: [UInt8] = [UInt8(ascii: "\"")]
            var text = ""
            var control: Int?
            for _ in 0..<(random.next() % 12) {
                let (bytes, piece) = pieces[Int(random.next() % UInt64(pieces.count))]
                if piece == nil, control == nil { control = json.count }
                json += bytes
                text += piece ?? ""
            }
            let end = json.count + 1
            json += Array("\",\"padding-\"".utf8)
            switch scanString(json) {
            case .success(let (value, index)):
                #expect(control == nil && value == text && index == end, "\(json)")
            case .failure(let rejection):
                #expect(rejection.detail == "control character inside field 'x' at byte \(control ?? -1)", "\(json)")
            }
        }
    }

    // MARK: Packed names, sixteen bytes at a time

    /// Scans a quoted name (packed) at the start of `bytes`: the packed name, and where the cursor ends.
    private func scanName(_ bytes: [UInt8]) -> (PackedName?, Int) {
        bytes.withUnsafeBytes { buffer in
            var cursor = JSONCursor(bytes: buffer)
            let name = cursor.scanPackedName()
            return (name, cursor.index)
        }
    }

    /// What the scanner's rule says, one byte at a time: ASCII from 0x20, no backslash, at most
    /// ``PackedName/capacity`` bytes before the closing quote.
    private func byteByByte(_ bytes: [UInt8]) -> (PackedName?, Int) {
        var name = PackedName()
        for position in 1..<bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { return (name, position + 1) }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\"), name.append(byte) else { return (nil, 0) }
        }
        return (nil, 0)
    }

    @Test("with sixteen bytes or more to read, the result is the byte-by-byte rule's: names of 0-16 bytes, control, non-ASCII, backslash, too long")
    func wordsAgreeWithBytes() {
        var random = SplitMix64(seed: 3)
        let alphabet: [UInt8] = Array("abz_09-.:".utf8) + [0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xFF, UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        var packedSome = false, refusedSome = false
        for _ in 0..<20_000 {
            let length = Int(random.next() % 20)
            // Mostly plain letters, so that many names reach their closing quote.
            let name = (0..<length).map { _ in random.next() % 4 == 0 ? alphabet[Int(random.next() % UInt64(alphabet.count))] : UInt8(ascii: "a") + UInt8(random.next() % 26) }
            let frame = [UInt8(ascii: "\"")] + name + [UInt8(ascii: "\"")]
            let padded = frame + (0..<16).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let reference = byteByByte(frame)
            let fast = scanName(padded)
            #expect(fast.0 == reference.0, "name bytes \(name)")
            if reference.0 != nil { #expect(fast.1 == reference.1) }
            packedSome = packedSome || reference.0 != nil
            refusedSome = refusedSome || reference.0 == nil
        }
        #expect(packedSome && refusedSome)
    }

    @Test("names of 8, 15 and 16 bytes, and one of 17, against their text; near the end of the frame, byte by byte")
    func boundaries() {
        #expect(scanName(Array("\"ts\"".utf8)) == (PackedName("ts"), 4))
        for text in ["speed_km", "travel_time_sec", "travel_time_secs"] {
            let (name, end) = scanName(Array("\"\(text)\",\"padding-padding\"".utf8))
            #expect(name == PackedName(text) && end == text.utf8.count + 2)
        }
        #expect(scanName(Array("\"travel_time_secs1\",\"padding-padding\"".utf8)).0 == nil)
    }
}
