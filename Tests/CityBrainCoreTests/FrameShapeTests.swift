import CityBrainCore
import Foundation
import Testing

/// Frames read through the layouts of earlier ones (``FrameShapes``) must give exactly what the
/// full scan gives: the same event, or the same rejection with the same text.
@Suite("Frame layouts")
struct FrameShapeTests {
    static let water = EventKind(rawValue: "water")!
    let decoder = EventDecoder(maxFrameBytes: 1024, kinds: EventKind.builtIn + [Self.water])

    /// Layouts of several sorts: every fixed field, no district, a sequence number, a reading
    /// before the kind, whitespace, a byte-order mark, an escaped id, a name the catalogue does
    /// not know, a declared kind.
    static let bases = [
        #"{"kind":"traffic","sensor":"seg-00421","district":"d07","ts":1732270000123,"speed_kmh":43.5,"flow_vph":1240,"occupancy":0.31}"#,
        #"{"kind":"parking","sensor":"garage-12","ts":1732270000000,"seq":17,"occupied":412,"capacity":450}"#,
        #"{"sensor":"aq-118","pm25":35.2,"kind":"environment","ts":1732270000000,"no2":41.0}"#,
        #" { "kind" : "environment" , "sensor":"aq-118","ts":1732270000000,"noise_db":63.1 } "#,
        "\u{FEFF}" + #"{"kind":"traffic","sensor":"s\u00e9g-1","ts":1732270000000,"a_measurement_name_too_long_to_pack":5}"#,
        #"{"kind":"water","sensor":"w-1","district":"river","ts":1732270000000,"level_cm":120}"#,
    ]

    func plain(_ frame: [UInt8]) -> Result<Event, FrameRejection> {
        frame.withUnsafeBytes { bytes in Result { () throws(FrameRejection) in try decoder.decode(json: bytes) } }
    }

    func shaped(_ frame: [UInt8], _ shapes: inout FrameShapes, by decoder: EventDecoder? = nil) -> Result<Event, FrameRejection> {
        let decoder = decoder ?? self.decoder
        return frame.withUnsafeBytes { bytes in Result { () throws(FrameRejection) in try decoder.decode(json: bytes, shapes: &shapes) } }
    }

    @Test("a frame of a layout seen before is read by it, to the same event")
    func readsByLayout() throws {
        var shapes = FrameShapes()
        let first = Array(Self.bases[0].utf8)
        let second = Array(Self.bases[0].replacingOccurrences(of: "43.5", with: "12.25").replacingOccurrences(of: "00421", with: "77").utf8)
        #expect(try shaped(first, &shapes).get() == plain(first).get())
        #expect(shapes.learned == 1 && shapes.hits == 0)
        let event = try shaped(second, &shapes).get()
        #expect(shapes.hits == 1)
        #expect(event == Event(kind: .traffic, sensor: "seg-77", district: "d07", timestamp: 1_732_270_000_123,
                               readings: [Reading("speed_kmh", 12.25), Reading("flow_vph", 1240), Reading("occupancy", 0.31)]))
    }

    @Test("a value a layout reads but the scan rejects gives the scan's rejection")
    func rejectionsUnchanged() throws {
        var shapes = FrameShapes()
        _ = shaped(Array(Self.bases[0].utf8), &shapes)
        for (from, to, text) in [
            ("43.5", "9999", "out_of_range: field 'speed_kmh' = 9999.0 is outside 0…300 for kind traffic"),
            ("43.5", "NaN", "non_finite: field 'speed_kmh' is NaN"),
            (#""d07""#, "7", "wrong_type: field 'district' must be a string, found a number"),
            ("1732270000123", "17", "out_of_range: field 'ts' = 17 is outside 2000-01-01…2100-01-01 in Unix milliseconds"),
        ] {
            let frame = Array(Self.bases[0].replacingOccurrences(of: from, with: to).utf8)
            let result = shaped(frame, &shapes)
            #expect(result == plain(frame))
            #expect(result.failureDescription == text)
        }
        #expect(shapes.hits == 0)
    }

    @Test("layouts taught by a decoder that knows a kind are forgotten by one that does not")
    func layoutsBelongToTheirDecoder() {
        var shapes = FrameShapes()
        let frame = Array(Self.bases[5].utf8)
        #expect((try? shaped(frame, &shapes).get())?.kind == Self.water)
        let builtInOnly = EventDecoder(maxFrameBytes: 1024)
        #expect(shaped(frame, &shapes, by: builtInOnly).failureDescription?.hasPrefix("unknown_kind: unknown kind 'water'") == true)
        #expect(shapes.hits == 0)
    }

    @Test("a new layout takes the place of the least recently used one")
    func leastRecentlyUsedMakesRoom() throws {
        var shapes = FrameShapes()
        func frame(_ layout: Int) -> [UInt8] {
            Array(#"{"kind":"environment","sensor":"aq-1","ts":1732270000000,"m\#(layout)":1}"#.utf8)
        }
        for layout in 0..<FrameShapes.capacity { _ = try shaped(frame(layout), &shapes).get() }
        #expect(shapes.learned == FrameShapes.capacity && shapes.hits == 0)
        _ = try shaped(frame(0), &shapes).get()  // layout 0 used again: layout 1 is now the oldest
        #expect(shapes.hits == 1)
        _ = try shaped(frame(FrameShapes.capacity), &shapes).get()  // one more layout: layout 1 goes
        #expect(shapes.learned == FrameShapes.capacity + 1)
        _ = try shaped(frame(0), &shapes).get()
        #expect(shapes.hits == 2)
        _ = try shaped(frame(2), &shapes).get()
        #expect(shapes.hits == 3)
        _ = try shaped(frame(1), &shapes).get()  // read in full and learned again
        #expect(shapes.hits == 3 && shapes.learned == FrameShapes.capacity + 2)
    }

    @Test("a feed whose frames all differ stops learning layouts")
    func learningSlowsDown() throws {
        var shapes = FrameShapes()
        for index in 0..<500 {
            let frame = Array(#"{"kind":"environment","sensor":"aq-1","ts":1732270000000,"m\#(index)":1}"#.utf8)
            #expect(try shaped(frame, &shapes).get().value("m\(index)") == 1)
        }
        #expect(shapes.learned == FrameShapes.freeLessons)
        #expect(shapes.hits == 0)
    }

    @Test("mutated frames read with warm layouts give exactly what the full scan gives")
    func mutatedFramesAgree() {
        var random = SeededRandom(seed: 20_261_208)
        var shapes = FrameShapes()
        let bases = Self.bases.map { Array($0.utf8) }
        var agreed = 0
        for round in 0..<20_000 {
            var frame = bases[round % bases.count]
            Self.mutate(&frame, random: &random)
            let expected = plain(frame)
            let actual = shaped(frame, &shapes)
            if actual == expected { agreed += 1 } else {
                Issue.record("\(String(decoding: frame, as: UTF8.self)): \(actual) against \(expected)")
            }
        }
        #expect(agreed == 20_000)
        // The layouts read most of the frames whose values alone changed.
        #expect(shapes.hits > 4_000)
    }

    /// One random change: mostly a number replaced by another (the layout stays), else a byte
    /// replaced, removed or inserted, or the frame cut short.
    static func mutate(_ frame: inout [UInt8], random: inout SeededRandom) {
        let alphabet = Array(#"0123456789.-+eE"\{}[],: aNtI"#.utf8)
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<6:
            let runs = numberRuns(frame)
            guard let run = runs.randomElement(using: &random) else { return }
            let replacements = ["0", "-1", "1e400", "NaN", "-0.0", "1.5e-7", "9999", "17", "2e3", "01", "1.", "12a", "\"x\"", "null",
                                String(Int.random(in: 0...2_000, using: &random)), String(format: "%.3f", Double.random(in: 0..<100, using: &random)),
                                String(1_732_270_000_000 + Int64.random(in: -5_000...5_000, using: &random))]
            frame.replaceSubrange(run, with: Array(replacements.randomElement(using: &random)!.utf8))
        case 6:
            guard !frame.isEmpty else { return }
            frame[Int.random(in: 0..<frame.count, using: &random)] = alphabet.randomElement(using: &random)!
        case 7:
            guard !frame.isEmpty else { return }
            frame.remove(at: Int.random(in: 0..<frame.count, using: &random))
        case 8:
            frame.insert(alphabet.randomElement(using: &random)!, at: Int.random(in: 0...frame.count, using: &random))
        default:
            frame.removeLast(Int.random(in: 0...min(3, frame.count), using: &random))
        }
    }

    /// The ranges of runs of number characters outside strings.
    static func numberRuns(_ frame: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var inString = false
        var index = 0
        while index < frame.count {
            let byte = frame[index]
            if byte == UInt8(ascii: "\"") { inString.toggle() }
            if !inString, byte == UInt8(ascii: "-") || (48...57).contains(byte) {
                let start = index
                while index < frame.count, Array("-+.eE0123456789".utf8).contains(frame[index]) { index += 1 }
                runs.append(start..<index)
                continue
            }
            index += 1
        }
        return runs
    }
}

extension Result where Failure == FrameRejection {
    var failureDescription: String? {
        if case .failure(let rejection) = self { return rejection.description }
        return nil
    }
}
