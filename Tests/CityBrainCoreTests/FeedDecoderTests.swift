import CityBrainCore
import Testing

@Suite("Feed decoder: its two entry points")
struct FeedDecoderTests {
    /// Frames of every kind the decoder tells apart: native (good, bad), SenML JSON (a record
    /// rejected), SenML CBOR, an NGSI-LD entity and an entity array, garbage.
    static let frames: [[UInt8]] = [
        Array(#"{"kind":"traffic","sensor":"s1","district":"d1","ts":1732270000000,"speed_kmh":40}"#.utf8),
        Array(#"{"kind":"traffic","sensor":"s1","ts":"x"}"#.utf8),
        Array(#"[{"bn":"traffic.d07.seg-1/","bt":1732270000,"n":"speed_kmh","v":30},{"n":"occupancy","v":7},{"bn":"environment.-.aq-1/","n":"pm25","v":12}]"#.utf8),
        SenMLEncoder.cbor(Event(kind: .parking, sensor: "g-1", district: "d2", timestamp: 1_732_270_000_000,
                                readings: [Reading("occupied", 3), Reading("capacity", 9)])),
        Array(#"{"id":"urn:ngsi-ld:OffStreetParking:g-2","type":"OffStreetParking","availableSpotNumber":{"type":"Property","value":3},"totalSpotNumber":{"type":"Property","value":10},"dateModified":{"type":"Property","value":"2024-11-22T10:06:40Z"}}"#.utf8),
        Array(#"[{"id":"urn:ngsi-ld:OffStreetParking:g-3","type":"OffStreetParking","availableSpotNumber":{"type":"Property","value":1},"totalSpotNumber":{"type":"Property","value":4},"dateModified":{"type":"Property","value":"2024-11-22T10:06:40Z"}}]"#.utf8),
        Array("garbage".utf8),
    ]

    @Test("appending a frame's events gives what decoding it to content gives, in every format", arguments: FeedFormat.allCases)
    func appendingAgrees(format: FeedFormat) {
        let decoder = FeedDecoder(format: format)
        var decodedSome = false
        for frame in Self.frames {
            let content = Result { () throws(FrameRejection) in try decoder.decode(frame: frame) }
            var events: [Event] = [Event(kind: .traffic, sensor: "before", timestamp: 0, readings: [])]
            let appended = frame.withUnsafeBytes { bytes in
                Result { () throws(FrameRejection) in try decoder.decode(frame: bytes, appendingTo: &events) }
            }
            switch (content, appended) {
            case (.success(let content), .success(let rejected)):
                #expect(events == [Event(kind: .traffic, sensor: "before", timestamp: 0, readings: [])] + content.events, "\(format): \(frame)")
                #expect(rejected == content.rejected)
                decodedSome = true
            case (.failure(let expected), .failure(let rejection)):
                #expect(rejection == expected)
                #expect(events.count == 1)  // nothing appended
            default:
                Issue.record("\(format): one entry point accepted what the other refused: \(frame)")
            }
        }
        #expect(decodedSome)
    }
}
