import CityBrainCore

/// A seeded, mutation-based fuzz driver for the frame decoders (native; SenML JSON and CBOR and
/// NGSI-LD through the auto-detecting feed decoder) and the pipeline loader.
///
/// Input `i` is derived from (`seed`, `i`) alone, so any failing input can be regenerated with
/// ``input(_:seed:index:)``. Besides "does not crash", it checks invariants:
/// - decoder, formats: a frame either decodes or is rejected with a reason; a decoded event
///   re-encodes natively and decodes to the same event (and, natively, passes
///   ``EventValidation/check(_:)``, which the scanner fuses into its reading);
/// - pipeline loader: a file either loads or is rejected with at least one diagnostic, each with a
///   line and column of at least 1.
public enum FuzzDriver {
    public enum Target: String, Sendable, CaseIterable {
        case decoder
        /// SenML JSON, SenML CBOR and NGSI-LD frames through ``FeedDecoder`` (`auto`).
        case formats
        case pipeline
    }

    /// What a fuzz run saw.
    public struct Report: Sendable {
        public var inputs = 0
        public var accepted = 0
        public var rejected: [String: Int] = [:]
        /// Invariant violations: the input index and what went wrong.
        public var failures: [(index: Int, problem: String)] = []
    }

    /// What is wrong, if `json` read through the layouts of earlier frames (``FrameShapes``)
    /// decodes otherwise than alone.
    static func layoutDisagreement(_ json: [UInt8], decoder: EventDecoder, shapes: inout FrameShapes) -> String? {
        json.withUnsafeBytes { bytes in
            let alone = Result { () throws(FrameRejection) in try decoder.decode(json: bytes) }
            let byLayout = Result { () throws(FrameRejection) in try decoder.decode(json: bytes, shapes: &shapes) }
            return alone == byLayout ? nil : "read through the layouts of earlier frames it gives \(byLayout), alone \(alone)"
        }
    }

    /// Runs `count` inputs from `start`; `progress` is called every 10 000 inputs.
    public static func run(_ target: Target, seed: UInt64, count: Int, start: Int = 0, progress: (Int) -> Void = { _ in }) -> Report {
        var report = Report()
        let decoder = EventDecoder(maxFrameBytes: 4_096)
        let feedDecoder = FeedDecoder(format: .auto, maxFrameBytes: 4_096)
        // The layouts of the inputs so far: a frame read through them must decode as it does alone.
        var shapes = FrameShapes()
        for index in start..<(start + count) {
            let bytes = input(target, seed: seed, index: index)
            report.inputs += 1
            switch target {
            case .decoder:
                let topicLength = Int(bytes.first ?? 0) % 4 == 0 ? Int(bytes.last ?? 0) % 24 : 0
                let topic = topicLength > 0 ? Array(bytes.prefix(topicLength)) : nil
                let json = Array(bytes.dropFirst(topicLength))
                if let problem = Self.layoutDisagreement(json, decoder: decoder, shapes: &shapes) { report.failures.append((index, problem)) }
                do throws(FrameRejection) {
                    let event = try decoder.decode(json: json, topic: topic)
                    report.accepted += 1
                    let again = try? decoder.decode(json: Array(EventEncoder.json(event).utf8))
                    if again != event { report.failures.append((index, "decoded event does not survive a re-encode: \(event)")) }
                    // The scanner validates as it reads; what it accepts must pass the checks on their own.
                    do throws(FrameRejection) { try EventValidation.check(event) } catch {
                        report.failures.append((index, "decoded event fails validation (\(error.detail)): \(event)"))
                    }
                } catch {
                    report.rejected[error.reason.rawValue, default: 0] += 1
                }
            case .formats:
                do throws(FrameRejection) {
                    let content = try feedDecoder.decode(frame: bytes, receivedAt: 1_732_270_000_000)
                    report.accepted += 1
                    for rejection in content.rejected { report.rejected[rejection.reason.rawValue, default: 0] += 1 }
                    for event in content.events where (try? decoder.decode(json: Array(EventEncoder.json(event).utf8))) != event {
                        report.failures.append((index, "decoded event does not survive a native re-encode: \(event)"))
                    }
                } catch {
                    report.rejected[error.reason.rawValue, default: 0] += 1
                }
            case .pipeline:
                do throws(PipelineErrors) {
                    _ = try PipelineLoader.load(yaml: String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
                    report.accepted += 1
                } catch {
                    report.rejected["invalid", default: 0] += 1
                    if error.diagnostics.isEmpty { report.failures.append((index, "rejected without a diagnostic")) }
                    for diagnostic in error.diagnostics where diagnostic.line < 1 || diagnostic.column < 1 {
                        report.failures.append((index, "diagnostic without a position: \(diagnostic)"))
                    }
                }
            }
            if (index - start + 1) % 10_000 == 0 { progress(index - start + 1) }
        }
        return report
    }

    /// Input `index` of the run seeded with `seed`.
    public static func input(_ target: Target, seed: UInt64, index: Int) -> [UInt8] {
        var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let corpus = switch target {
        case .decoder: decoderCorpus
        case .formats: formatsCorpus
        case .pipeline: pipelineCorpus
        }
        var bytes = corpus[Int(random.next() % UInt64(corpus.count))]
        let mutations = 1 + Int(random.next() % 4)
        for _ in 0..<mutations { mutate(&bytes, target: target, corpus: corpus, random: &random) }
        return bytes
    }

    private static let interestingBytes: [UInt8] = Array("{}[]\":,\\.-+eE0123456789NIntfu ".utf8) + [0x00, 0x0A, 0x7F, 0xC3, 0xFF]
    private static let interestingTokens: [String] = [
        "NaN", "Infinity", "-Infinity", "1e999", "-0", "01", "1.", ".5", "9007199254740993", "1e-400", "null", "true",
        "\"\\u0000\"", "\"\\ud800\"", "{}", "[]", "\"kind\"", "\"ts\"", "\"sensor\"", "\"\\\"\"", "18446744073709551616",
        "mean(", "when:", "window:", "- name: x", "  ", "\t", "{ tumbling: 1m }", "sliding", "session", "&anchor", "*alias", "!!str",
    ]

    private static func mutate(_ bytes: inout [UInt8], target: Target, corpus: [[UInt8]], random: inout SplitMix64) {
        let count = bytes.count
        let position = count == 0 ? 0 : Int(random.next() % UInt64(count))
        switch random.next() % 7 {
        case 0 where count > 0:
            bytes[position] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
        case 1:
            bytes.insert(interestingBytes[Int(random.next() % UInt64(interestingBytes.count))], at: position)
        case 2 where count > 0:
            let length = min(count - position, 1 + Int(random.next() % 16))
            bytes.removeSubrange(position..<(position + length))
        case 3 where count > 0:
            let length = min(count - position, 1 + Int(random.next() % 32))
            bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
        case 4:
            bytes.insert(contentsOf: Array(interestingTokens[Int(random.next() % UInt64(interestingTokens.count))].utf8), at: position)
        case 5:
            let other = corpus[Int(random.next() % UInt64(corpus.count))]
            let cut = other.isEmpty ? 0 : Int(random.next() % UInt64(other.count))
            bytes = Array(bytes.prefix(position)) + Array(other.suffix(from: cut))
        default:
            if count > 0 { bytes.removeSubrange(position...) }
        }
        if bytes.count > 8_192 { bytes.removeSubrange(8_192...) }
    }

    private static let decoderCorpus: [[UInt8]] = {
        var simulator = CitySimulator(sensors: 12, seed: 1, start: 1_732_269_600_000, reportInterval: 1_000)
        var frames = simulator.events(until: 1_732_269_601_000).map { Array(EventEncoder.json($0).utf8) }
        frames += [
            #"{"kind":"traffic","sensor":"seg-\u00e9\"x\"","district":"d07","ts":1732270000123,"speed_kmh":43.5e0,"occupancy":3.1E-1}"#,
            #" { "kind" : "parking" , "sensor" : "g" , "ts" : 1732270000000 , "occupied" : 0 , "capacity" : 1 } "#,
            #"{"kind":"environment","sensor":"aq","ts":1732270000000,"pm25":-0.0,"water_level_cm":-12.5}"#,
            #"{}"#,
        ].map { Array($0.utf8) }
        return frames
    }()

    private static let formatsCorpus: [[UInt8]] = {
        var simulator = CitySimulator(sensors: 12, seed: 1, start: 1_732_269_600_000, reportInterval: 1_000)
        let events = simulator.events(until: 1_732_269_601_000)
        var frames = [FrameEncoding.senml, .senmlCBOR, .ngsiLD].flatMap { encoding in events.compactMap { encoding.encode($0) } }
        frames += [
            #"[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2,"x_":1},{"n":"b","vb":true}]"#,
            #"{"id":"urn:ngsi-ld:Notification:1","type":"Notification","data":[{"id":"porto-1","type":"OffStreetParking","totalSpotNumber":414,"availableSpotNumber":132,"dateModified":"2016-06-02T09:25:55.00Z"}]}"#,
            #"[{"id":"urn:ngsi-ld:ParkingSpot:s-1","type":"ParkingSpot","status":{"type":"Property","value":"free","observedAt":"2018-09-21T12:00:00Z"}}]"#,
        ].map { Array($0.utf8) }
        return frames
    }()

    private static let pipelineCorpus: [[UInt8]] = [
        Array(BuiltInPipeline.cityYAML.utf8),
        Array("""
        outputs:
          - { name: w, match: { kind: traffic }, window: { sliding: { size: 5m, slide: 1m } }, aggregates: [p95(speed_kmh), distinct(sensor)] }
          - { name: s, match: { kind: traffic }, key_by: district, window: { session: { gap: 30s, max_length: 1h }, allowed_lateness: 10s }, aggregates: [mean(speed_kmh)] }
        """.utf8),
    ]
}
