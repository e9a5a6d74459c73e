@testable import CityBrainCore
import Testing

@Suite("Numbers and strings as the scanner reads them")
struct JSONCursorTests {
    private func scan(_ text: String) throws(FrameRejection) -> (Double, Int) {
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
            let (value, end) = try scan(text + ",12345678")
            #expect(value == Double(text)!, "\(text)")
            #expect(end == text.utf8.count)
        }
        #expect(try scan("1732269600000}").0 == 1_732_269_600_000)
        #expect(try scan("12345678").0 == 12_345_678 && scan("123456789").0 == 123_456_789)
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
}
