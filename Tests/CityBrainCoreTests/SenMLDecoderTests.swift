import CityBrainCore
import Testing

/// SenML (RFC 8428): the RFC's own examples, CityBrain's naming, units, CBOR, bad records.
@Suite("SenML decoding")
struct SenMLDecoderTests {
    /// A pipeline that declares the RFC examples' device as a `lab` kind.
    static let catalogue = MeasurementCatalogue(
        kinds: EventKind.builtIn + [EventKind(rawValue: "lab")!],
        measurements: [
            MeasurementDeclaration(kind: EventKind(rawValue: "lab")!, name: "temperature_c", unit: "Cel"),
            MeasurementDeclaration(kind: EventKind(rawValue: "lab")!, name: "voltage", unit: "V"),
            MeasurementDeclaration(kind: EventKind(rawValue: "lab")!, name: "current", unit: "A"),
            MeasurementDeclaration(kind: EventKind(rawValue: "lab")!, name: "open"),
        ])
    static let mapping = FeedMapping(devices: [
        FeedMapping.Device(prefix: "urn:dev:ow:10e2073a01080063", kind: EventKind(rawValue: "lab")!, sensor: "ow-63", measurement: "temperature_c"),
        FeedMapping.Device(prefix: "urn:dev:ow:10e2073a0108006:", kind: EventKind(rawValue: "lab")!, sensor: "ow-6"),
    ])
    let decoder = FeedDecoder(format: .senml, catalogue: catalogue, mapping: mapping)
    let lab = EventKind(rawValue: "lab")!
    /// When the packs with relative times "arrived".
    let now: Int64 = 1_764_835_200_000

    func decode(_ text: String, receivedAt: Int64? = 1_764_835_200_000) throws(FrameRejection) -> FrameContent {
        try decoder.decode(frame: Array(text.utf8), receivedAt: receivedAt)
    }

    @Test("RFC 8428 §5.1.1: one datapoint, relative time 0 is the receive time")
    func singleDatapoint() throws {
        let content = try decode(#"[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]"#)
        #expect(content.events == [Event(kind: lab, sensor: "ow-63", timestamp: now, readings: [Reading("temperature_c", 23.1)])])
        #expect(content.rejected.isEmpty)
    }

    @Test("RFC 8428 §5.1.2: records of one device at one time are one event")
    func multipleDatapoints() throws {
        let content = try decode("""
            [{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
             {"n":"current","u":"A","v":1.2}]
            """)
        #expect(content.events == [Event(kind: lab, sensor: "ow-63", timestamp: now, readings: [Reading("voltage", 120.1), Reading("current", 1.2)])])
    }

    @Test("RFC 8428 §5.1.3 with base time and base unit equals its resolved form (§5.1.4)")
    func multipleMeasurementsEqualResolved() throws {
        let packed = try decode("""
            [{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
             {"n":"current","t":-5,"v":1.2},{"n":"current","t":-4,"v":1.3},{"n":"current","t":-3,"v":1.4},
             {"n":"current","t":-2,"v":1.5},{"n":"current","t":-1,"v":1.6},{"n":"current","v":1.7}]
            """, receivedAt: nil)
        let resolved = try decode("""
            [{"n":"urn:dev:ow:10e2073a0108006:voltage","u":"V","v":120.1,"t":1.276020076001e+09},
             {"n":"urn:dev:ow:10e2073a0108006:current","u":"A","v":1.2,"t":1.276020071001e+09},
             {"n":"urn:dev:ow:10e2073a0108006:current","u":"A","v":1.3,"t":1.276020072001e+09},
             {"n":"urn:dev:ow:10e2073a0108006:current","u":"A","v":1.4,"t":1.276020073001e+09},
             {"n":"urn:dev:ow:10e2073a0108006:current","u":"A","v":1.5,"t":1.276020074001e+09},
             {"n":"urn:dev:ow:10e2073a0108006:current","u":"A","v":1.6,"t":1.276020075001e+09},
             {"n":"urn:dev:ow:10e2073a0108006:current","u":"A","v":1.7,"t":1.276020076001e+09}]
            """, receivedAt: nil)
        #expect(packed.events.count == 6)
        #expect(packed.events.first == Event(kind: lab, sensor: "ow-6", timestamp: 1_276_020_076_001,
                                             readings: [Reading("voltage", 120.1), Reading("current", 1.7)]))
        #expect(packed.events.dropFirst().map(\.timestamp) == [1_276_020_071_001, 1_276_020_072_001, 1_276_020_073_001, 1_276_020_074_001, 1_276_020_075_001])
        #expect(packed == resolved)
    }

    @Test("RFC 8428 §5.1.5: a boolean is 1 or 0; string and data values are rejected alone")
    func multipleDataTypes() throws {
        let content = try decode("""
            [{"bn":"urn:dev:ow:10e2073a01080063:","n":"temperature","u":"Cel","v":23.4},
             {"n":"label","vs":"Machine Room"},{"n":"open","vb":false},{"n":"nfc-reader","vd":"aGkgCg"}]
            """)
        #expect(content.events == [Event(kind: lab, sensor: "ow-63", timestamp: now, readings: [Reading("temperature_c", 23.4), Reading("open", 0)])])
        #expect(content.rejected.map(\.description) == [
            "wrong_type: record 1: 'urn:dev:ow:10e2073a01080063:label' carries 'vs', not a number ('v') or boolean ('vb')",
            "wrong_type: record 3: 'urn:dev:ow:10e2073a01080063:nfc-reader' carries 'vd', not a number ('v') or boolean ('vb')",
        ])
    }

    @Test("CityBrain names: <kind>.<district>.<sensor>/<measurement>, units converted, names matched by unit")
    func cityBrainNames() throws {
        let content = try decode("""
            [{"bn":"traffic.d07.seg-00421/","bt":1732270000.123,"n":"speed","u":"m/s","v":12.5},
             {"n":"occupancy","u":"%","v":31},{"n":"flow_vph","v":1240},
             {"bn":"environment.-.aq-1/","n":"temperature","u":"K","v":293.15},{"n":"humidity","u":"%RH","v":80}]
            """)
        #expect(content.events == [
            Event(kind: .traffic, sensor: "seg-00421", district: "d07", timestamp: 1_732_270_000_123,
                  readings: [Reading("speed_kmh", 45), Reading("occupancy", 0.31), Reading("flow_vph", 1240)]),
            Event(kind: .environment, sensor: "aq-1", timestamp: 1_732_270_000_123,
                  readings: [Reading("temperature_c", 293.15 - 273.15), Reading("humidity_pct", 80)]),
        ])
    }

    @Test("what is wrong with a record is named with its index; the others still count")
    func badRecords() throws {
        let content = try decode("""
            [{"bn":"traffic.d07.seg-1/","bt":1732270000,"n":"speed_kmh","u":"furlong/fortnight","v":3},
             {"n":"speed_kmh","u":"Cel","v":3},
             {"n":"occupancy","v":7},
             {"bn":"weather.d07.w-1/","n":"rain","v":1},
             {"bn":"seg-1","n":"x","v":1},
             {"bn":"traffic.d07.seg-1/","n":"flow_vph","v":900},
             {"n":"flow_vph","v":901},
             {"n":"speed_kmh"},
             {"n":"flow_","v":1,"x_":2}]
            """)
        #expect(content.events == [Event(kind: .traffic, sensor: "seg-1", district: "d07", timestamp: 1_732_270_000_000, readings: [Reading("flow_vph", 900)])])
        #expect(content.rejected.map(\.description) == [
            "unknown_unit: record 0: unknown unit 'furlong/fortnight' for 'speed_kmh' (SenML units such as km/h, m/s, Cel, %RH, ug/m3, cm, count)",
            "unknown_unit: record 1: unit 'Cel' does not convert to km/h, the unit of speed_kmh",
            "out_of_range: record 2: field 'occupancy' = 7.0 is outside 0…1 for kind traffic",
            "unknown_kind: record 3: unknown kind 'weather' in name 'weather.d07.w-1/rain'; expected one of traffic, parking, environment, lab",
            "unknown_model: record 4: name 'seg-1x' is not <kind>.<district>.<sensor>/<measurement> and no mapped device's",
            "malformed_json: record 6: a second 'flow_vph' for seg-1 at the same time",
            "missing_field: record 7: 'traffic.d07.seg-1/speed_kmh' has no value ('v' or 'vb')",
            "wrong_type: record 8: field 'x_' must be understood and is not",
        ])
    }

    @Test("a pack with nothing usable is rejected whole; relative times need a receive time")
    func wholePackRejections() {
        #expect(throws: FrameRejection(.missingField, "the SenML pack has no records")) { try decode("[]") }
        #expect(throws: FrameRejection(.malformedJSON, "a SenML pack is an array of records, found an object")) { try decode(#"{"n":"x"}"#) }
        #expect(throws: FrameRejection(.missingField, "record 0: time 0.0 s is relative to the receive time, which a file does not have; use absolute times (seconds since 1970)")) {
            try decode(#"[{"n":"traffic.d.s/speed_kmh","v":1}]"#, receivedAt: nil)
        }
        #expect(throws: FrameRejection(.unknownUnit, "record 0: unknown unit 'x' for 'speed_kmh' (SenML units such as km/h, m/s, Cel, %RH, ug/m3, cm, count) (and 1 more records rejected)")) {
            try decode(#"[{"bn":"traffic.d.s/","n":"speed_kmh","u":"x","v":1},{"n":"flow_vph","u":"x","v":1}]"#)
        }
        #expect(throws: FrameRejection.self) { try decode(#"[{"n":"traffic.d.s/speed_kmh","v":1},"#) }
    }

    @Test("SenML CBOR (RFC 8428 §6): integer labels, the same events as the JSON pack")
    func cbor() throws {
        // RFC 8428 §6's example pack, the first two records, written out by hand:
        // [{-2:"urn:dev:ow:10e2073a0108006:", -3:1276020076.001, -4:"A", -1:5, 0:"voltage", 1:"V", 2:120.1},
        //  {0:"current", 6:-5, 2:1.2}]
        var bytes: [UInt8] = [0x82, 0xA7, 0x21, 0x78, 0x1B] + Array("urn:dev:ow:10e2073a0108006:".utf8)
        bytes += [0x22, 0xFB] + withUnsafeBytes(of: (1.276020076001e+09).bitPattern.bigEndian, Array.init)
        bytes += [0x23, 0x61, 0x41, 0x20, 0x05, 0x00, 0x67] + Array("voltage".utf8) + [0x01, 0x61, 0x56]
        bytes += [0x02, 0xFB] + withUnsafeBytes(of: (120.1).bitPattern.bigEndian, Array.init)
        bytes += [0xA3, 0x00, 0x67] + Array("current".utf8) + [0x06, 0x24, 0x02, 0xFB] + withUnsafeBytes(of: (1.2).bitPattern.bigEndian, Array.init)
        let content = try FeedDecoder(format: .auto, catalogue: Self.catalogue, mapping: Self.mapping).decode(frame: bytes)
        #expect(content.events == [
            Event(kind: lab, sensor: "ow-6", timestamp: 1_276_020_076_001, readings: [Reading("voltage", 120.1)]),
            Event(kind: lab, sensor: "ow-6", timestamp: 1_276_020_071_001, readings: [Reading("current", 1.2)]),
        ])
        #expect(throws: FrameRejection(.malformedCBOR, "the frame ends inside an item (truncated?) at byte 34")) {
            try decoder.decode(frame: Array(bytes.prefix(40)))
        }
        #expect(throws: FrameRejection(.malformedCBOR, "length 4294967295 exceeds the 3 bytes left at byte 6")) {
            try decoder.decode(frame: [0x81, 0x9A, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0])
        }
    }

    @Test("what the SenML encoder writes, JSON and CBOR, decodes to the event it was written from",
          arguments: [
            Event(kind: .traffic, sensor: "seg-00421", district: "d07", timestamp: 1_732_270_000_123,
                  readings: [Reading("speed_kmh", 43.5), Reading("flow_vph", 1240), Reading("occupancy", 0.31)]),
            Event(kind: .parking, sensor: "garage-12", timestamp: 1_732_270_000_000, readings: [Reading("occupied", 412), Reading("capacity", 450)]),
            Event(kind: .environment, sensor: "aq-118", district: "d07", timestamp: 1_732_270_000_999,
                  readings: [Reading("pm25", 35.2), Reading("noise_db", 63.1), Reading("custom", -1e-7)]),
          ])
    func roundTrip(event: Event) throws {
        let json = try FeedDecoder(format: .auto).decode(frame: Array(SenMLEncoder.json(event).utf8))
        #expect(json.events == [event])
        let cbor = try FeedDecoder(format: .auto).decode(frame: SenMLEncoder.cbor(event))
        #expect(cbor.events == [event])
    }
}
