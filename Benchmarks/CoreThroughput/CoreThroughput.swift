// The pure core's speed: decoding frames, and windowed aggregation on pre-decoded events.
import Benchmark
import CityBrainCore

let base: Int64 = 1_732_269_600_000

let frames: [(String, [UInt8])] = [
    ("traffic", Array(#"{"kind":"traffic","sensor":"seg-00421","district":"d07","ts":1732270000123,"speed_kmh":43.5,"flow_vph":1240,"occupancy":0.31}"#.utf8)),
    ("parking", Array(#"{"kind":"parking","sensor":"garage-12","district":"d03","ts":1732270000123,"occupied":412,"capacity":450}"#.utf8)),
    ("environment", Array(#"{"kind":"environment","sensor":"aq-118","district":"d07","ts":1732270000123,"pm25":35.2,"no2":41.0,"noise_db":63.1}"#.utf8)),
]

/// One million traffic events for 10 000 sensors, 100 per sensor over ten minutes, in time order.
let events: [Event] = (0..<1_000_000).map { index in
    Event(kind: .traffic, sensor: "seg-\(index % 10_000)", district: "d\(index % 12)", timestamp: base + Int64(index) * 6 / 10,
          readings: [Reading("speed_kmh", Double(index % 97)), Reading("occupancy", 0.1)])
}

func engineRun(_ window: String, partitions: Int, _ benchmark: Benchmark) throws {
    let pipeline = try PipelineLoader.load(yaml: """
        outputs:
          - { name: w, match: { kind: traffic }, window: \(window), aggregates: [mean(speed_kmh), max(speed_kmh)] }
        """)
    let engine = StreamEngine(pipeline: pipeline, partitions: partitions) { blackHole($0.records.count) }
    benchmark.startMeasurement()
    var start = 0
    while start < events.count {
        engine.submit(Array(events[start..<min(start + 4_096, events.count)]))
        start += 4_096
    }
    engine.finish()
    benchmark.stopMeasurement()
}

let benchmarks: @Sendable () -> Void = {
    let decoder = EventDecoder()
    for (kind, frame) in frames {
        Benchmark("decode \(kind) frame", configuration: .init(metrics: [.throughput, .mallocCountTotal], scalingFactor: .kilo)) { benchmark in
            frame.withUnsafeBytes { bytes in
                for _ in benchmark.scaledIterations { blackHole(try? decoder.decode(json: bytes)) }
            }
        }
        // As live input and files decode: the frame's layout seen before (FrameShapes).
        Benchmark("decode \(kind) frame, layout known", configuration: .init(metrics: [.throughput, .mallocCountTotal], scalingFactor: .kilo)) { benchmark in
            var shapes = FrameShapes()
            frame.withUnsafeBytes { bytes in
                for _ in benchmark.scaledIterations { blackHole(try? decoder.decode(json: bytes, shapes: &shapes)) }
            }
        }
    }
    let engineConfiguration = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxIterations: 5)
    for (name, window) in [("tumbling 1m", "{ tumbling: 1m }"), ("sliding 5m/1m", "{ sliding: { size: 5m, slide: 1m } }"), ("session gap 30s", "{ session: { gap: 30s } }")] {
        Benchmark("1M events, 10k sensors, \(name) count/mean/max, 1 partition", configuration: engineConfiguration) { benchmark in
            try engineRun(window, partitions: 1, benchmark)
        }
    }
    Benchmark("1M events, 10k sensors, tumbling 1m count/mean/max, 2 partitions", configuration: engineConfiguration) { benchmark in
        try engineRun("{ tumbling: 1m }", partitions: 2, benchmark)
    }
}
