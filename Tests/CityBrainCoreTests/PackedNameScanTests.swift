@testable import CityBrainCore
import Testing

@Suite("Packed names read eight bytes at a time")
struct PackedNameScanTests {
    /// Scans a quoted name at the start of `bytes`: the packed name, and where the cursor ends.
    private func scan(_ bytes: [UInt8]) -> (PackedName?, Int) {
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
            let fast = scan(padded)
            #expect(fast.0 == reference.0, "name bytes \(name)")
            if reference.0 != nil { #expect(fast.1 == reference.1) }
            packedSome = packedSome || reference.0 != nil
            refusedSome = refusedSome || reference.0 == nil
        }
        #expect(packedSome && refusedSome)
    }

    @Test("names of 8, 15 and 16 bytes, and one of 17, against their text; near the end of the frame, byte by byte")
    func boundaries() {
        #expect(scan(Array("\"ts\"".utf8)) == (PackedName("ts"), 4))
        for text in ["speed_km", "travel_time_sec", "travel_time_secs"] {
            let (name, end) = scan(Array("\"\(text)\",\"padding-padding\"".utf8))
            #expect(name == PackedName(text) && end == text.utf8.count + 2)
        }
        #expect(scan(Array("\"travel_time_secs1\",\"padding-padding\"".utf8)).0 == nil)
    }
}
