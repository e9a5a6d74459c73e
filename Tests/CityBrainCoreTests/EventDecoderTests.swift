import CityBrainCore
import Testing

@Suite("Event decoder")
struct EventDecoderTests {
    let decoder = EventDecoder(maxFrameBytes: 1024)

    func decode(_ json: String, topic: String? = nil) throws(FrameRejection) -> Event {
        try decoder.decode(json: Array(json.utf8), topic: topic.map { Array($0.utf8) })
    }

    func rejection(_ json: String, topic: String? = nil) -> FrameRejection? {
        do {
            _ = try decode(json, topic: topic)
            return nil
        } catch {
            return error
        }
    }

    @Test("decodes the three native kinds exactly")
    func nativeKinds() throws {
        let traffic = try decode(#"{"kind":"traffic","sensor":"seg-00421","district":"d07","ts":1732270000123,"speed_kmh":43.5,"flow_vph":1240,"occupancy":0.31}"#)
        #expect(traffic == Event(kind: .traffic, sensor: "seg-00421", district: "d07", timestamp: 1_732_270_000_123,
                                 readings: [Reading("speed_kmh", 43.5), Reading("flow_vph", 1240), Reading("occupancy", 0.31)]))
        let parking = try decode(#"{"kind":"parking","sensor":"garage-12","district":"d03","ts":1732270000000,"occupied":412,"capacity":450}"#)
        #expect(parking.value("occupied") == 412)
        #expect(parking.value("capacity") == 450)
        let environment = try decode(#" { "kind" : "environment" , "sensor":"aq-118","ts":1732270000000,"pm25":35.2,"no2":41.0,"noise_db":63.1 } "#)
        #expect(environment.district == nil)
        #expect(environment.readings.map(\.name) == ["pm25", "no2", "noise_db"])
        #expect(environment.value("no2") == 41.0)
    }

    @Test("numbers parse to the correctly rounded double", arguments: [
        "0.1", "43.5", "1e2", "1E-3", "-0.0", "123456789012345678", "0.30000000000000004", "2.5e-10", "1.7976931348623157e308",
    ])
    func numbers(text: String) throws {
        let event = try decode(#"{"kind":"environment","sensor":"x","ts":1732270000000,"custom":\#(text)}"#)
        #expect(event.value("custom") == Double(text))
    }

    @Test("string escapes, unicode and a byte-order mark are handled")
    func strings() throws {
        let event = try decode("\u{FEFF}" + #"{"kind":"traffic","sensor":"Broad \"St\" \u00e9\ud83d\ude97","ts":1732270000000}"#)
        #expect(event.sensor == "Broad \"St\" é🚗")
    }

    @Test("a topic frame must agree with the body and supplies a missing district")
    func topics() throws {
        let body = #"{"kind":"traffic","sensor":"seg-1","ts":1732270000000,"speed_kmh":40}"#
        #expect(try decode(body, topic: "traffic.d07.seg-1").district == "d07")
        #expect(try decode(body, topic: "traffic.-.seg-1").district == nil)
        #expect(rejection(body, topic: "parking.d07.seg-1") == FrameRejection(.topicMismatch, "topic kind 'parking' differs from body kind 'traffic'"))
        #expect(rejection(body, topic: "traffic.d07.seg-2") == FrameRejection(.topicMismatch, "topic sensor 'seg-2' differs from body sensor 'seg-1'"))
        #expect(rejection(body, topic: "traffic") == FrameRejection(.topicMismatch, "topic 'traffic' is not <kind>.<district>.<sensor>"))
        let withDistrict = #"{"kind":"traffic","sensor":"seg-1","district":"d01","ts":1732270000000}"#
        #expect(rejection(withDistrict, topic: "traffic.d02.seg-1") == FrameRejection(.topicMismatch, "topic district 'd02' differs from body district 'd01'"))
    }

    @Test("every bad frame is rejected with its reason and a message naming what and where", arguments: [
        (#"not json"#, RejectReason.malformedJSON, "expected '{' to start a JSON object at byte 0"),
        (#""#, .malformedJSON, "empty frame at byte 0"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000"#, .malformedJSON, "unexpected end of frame after field 'ts' at byte 49"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000} x"#, .malformedJSON, "unexpected data after the JSON object at byte 51"),
        (#"{"kind":"traffic","kind":"traffic"}"#, .malformedJSON, "duplicate field 'kind' at byte 24"),
        (#"{"kind":"traffic","sensor":"s","ts":01}"#, .malformedJSON, "number with a leading zero for field 'ts' at byte 37"),
        (#"{"sensor":"s","ts":1732270000000}"#, .missingField, "required field 'kind' is missing"),
        (#"{"kind":"traffic","ts":1732270000000}"#, .missingField, "required field 'sensor' is missing"),
        (#"{"kind":"traffic","sensor":"s"}"#, .missingField, "required field 'ts' is missing"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":"fast"}"#, .wrongType, "field 'speed_kmh' must be a number, found a string"),
        (#"{"kind":"traffic","sensor":42,"ts":1732270000000}"#, .wrongType, "field 'sensor' must be a string, found a number"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000.5}"#, .wrongType, "field 'ts' must be an integer number of Unix milliseconds, found 1732270000000.5"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"extra":{"a":1}}"#, .wrongType, "field 'extra' must be a number, found an object"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":NaN}"#, .nonFinite, "field 'speed_kmh' is NaN"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":-Infinity}"#, .nonFinite, "field 'speed_kmh' is -Infinity"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":1e999}"#, .nonFinite, "field 'speed_kmh' overflows a double"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"occupancy":1.7}"#, .outOfRange, "field 'occupancy' = 1.7 is outside 0…1 for kind traffic"),
        (#"{"kind":"parking","sensor":"s","ts":1732270000000,"occupied":-8}"#, .outOfRange, "field 'occupied' = -8.0 is outside 0…100000 for kind parking"),
        (#"{"kind":"traffic","sensor":"s","ts":12}"#, .outOfRange, "field 'ts' = 12 is outside 2000-01-01…2100-01-01 in Unix milliseconds"),
        (#"{"kind":"traffic","sensor":"","ts":1732270000000}"#, .outOfRange, "field 'sensor' is empty"),
        (#"{"kind":"bus","sensor":"s","ts":1732270000000}"#, .unknownKind, "unknown kind 'bus'; expected one of traffic, parking, environment"),
        // Ranges are checked as values are read, but reported where a separate validation did:
        // after the identity, and the first reading out of range in frame order.
        (#"{"kind":"traffic","occupancy":1.7,"sensor":"","ts":1732270000000}"#, .outOfRange, "field 'sensor' is empty"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":400,"occupancy":1.7}"#, .outOfRange, "field 'speed_kmh' = 400.0 is outside 0…300 for kind traffic"),
        (#"{"kind":"traffic","occupancy":1.7}"#, .missingField, "required field 'sensor' is missing"),
        // A measurement before the kind, a name with an escape, a kind with an escape: the same checks.
        (#"{"occupancy":1.7,"kind":"traffic","sensor":"s","ts":1732270000000}"#, .outOfRange, "field 'occupancy' = 1.7 is outside 0…1 for kind traffic"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"occup\u0061ncy":1.7}"#, .outOfRange, "field 'occupancy' = 1.7 is outside 0…1 for kind traffic"),
        (#"{"kind":"tr\u0061ffic","sensor":"s","ts":1732270000000,"occupancy":1.7}"#, .outOfRange, "field 'occupancy' = 1.7 is outside 0…1 for kind traffic"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":1,"speed\u005fkmh":2}"#, .malformedJSON, "duplicate field 'speed_kmh' at byte 80"),
        (#"{"kind":"traffic","sensor":"s","ts":1732270000000,"a_long_unknown_field_name":1,"a_long_unknown_field_name":2}"#, .malformedJSON, "duplicate field 'a_long_unknown_field_name' at byte 107"),
    ])
    func rejections(json: String, reason: RejectReason, detail: String) {
        #expect(rejection(json) == FrameRejection(reason, detail))
    }

    @Test("a frame cut short anywhere is malformed JSON, never a wrong type or a value out of range")
    func truncated() {
        let frames = [
            #"{"kind":"traffic","sensor":"seg-0001","district":"d01","ts":1732270000123,"seq":42,"speed_kmh":43.5,"flow_vph":1200,"occupancy":0.31}"#,
            #"{"kind":"parking","sensor":"g-1","ts":1732270000000,"occupied":380,"capacity":400,"note":true}"#,
        ]
        for frame in frames {
            let bytes = Array(frame.utf8)
            for length in 0..<bytes.count {
                let reason = rejection(String(decoding: bytes[..<length], as: UTF8.self))?.reason
                #expect(reason == .malformedJSON, "\(String(decoding: bytes[..<length], as: UTF8.self)) → \(reason.map(\.rawValue) ?? "accepted")")
            }
        }
        #expect(rejection(#"{"kind":"traffic","sensor":"s","ts":17322"#)
                    == FrameRejection(.malformedJSON, "the frame ends before its JSON object does (41 bytes; truncated?)"))
    }

    @Test("a measurement is checked against its own kind's range only; others take any finite value")
    func rangesPerKind() throws {
        // `occupied` is a parking measurement: on a traffic frame it is an undeclared one.
        let event = try decode(#"{"occupied":250000,"kind":"traffic","sensor":"s","ts":1732270000000,"speed_kmh":300}"#)
        #expect(event.readings == [Reading("occupied", 250_000), Reading("speed_kmh", 300)])
        #expect(rejection(#"{"kind":"parking","sensor":"s","ts":1732270000000,"occupied":250000}"#)
                    == FrameRejection(.outOfRange, "field 'occupied' = 250000.0 is outside 0…100000 for kind parking"))
    }

    @Test("a frame over the size limit is rejected before it is parsed")
    func tooLarge() {
        let big = #"{"kind":"traffic","sensor":"s","ts":1732270000000,"pad":"# + String(repeating: "1", count: 2_000) + "}"
        #expect(rejection(big) == FrameRejection(.frameTooLarge, "frame of \(big.utf8.count) bytes exceeds the limit of 1024 bytes"))
    }

    @Test("the encoder writes what the decoder reads back")
    func roundTrip() throws {
        let event = Event(kind: .parking, sensor: "garage \"7\"", district: "d03", timestamp: 1_732_270_000_999,
                          readings: [Reading("occupied", 412), Reading("capacity", 450)])
        let json = EventEncoder.json(event)
        #expect(json == #"{"kind":"parking","sensor":"garage \"7\"","district":"d03","ts":1732270000999,"occupied":412,"capacity":450}"#)
        #expect(try decode(json) == event)
        #expect(FeedTopic.topic(for: event) == "parking.d03.garage \"7\"")
    }

    @Test("decoding lines of text uses the same rules")
    func lines() throws {
        #expect(try decoder.decode(line: #"{"kind":"traffic","sensor":"s","ts":1732270000000}"#).sensor == "s")
        #expect(throws: FrameRejection.self) { try decoder.decode(line: "{") }
    }
}
