// Rule evaluation on top of windowing: the same 1 M pre-decoded events through windows alone,
// through one threshold rule, and through the 10-rule benchmark pipeline of Benchmarks/scenarios.
import Benchmark
import CityBrainCore
import Foundation

let base: Int64 = 1_732_269_600_000

/// One million events for 10 000 sensors (60 % traffic, 15 % parking, 25 % environment), 100
/// per sensor over about sixteen minutes, in time order; one sensor in fifty misbehaves.
let events: [Event] = (0..<1_000_000).map { index in
    let sensor = index % 10_000
    let time = base + Int64(index / 10_000) * 10_000 + Int64(sensor)
    let odd = sensor % 50 == 0
    switch sensor % 100 {
    case ..<60:
        return Event(kind: .traffic, sensor: "seg-\(sensor)", district: "d\(sensor % 20)", timestamp: time,
                     readings: [Reading("speed_kmh", odd ? 12 : Double(35 + index % 25)), Reading("flow_vph", 900), Reading("occupancy", odd ? 0.5 : 0.2)])
    case ..<75:
        return Event(kind: .parking, sensor: "park-\(sensor)", district: "d\(sensor % 20)", timestamp: time,
                     readings: [Reading("occupied", odd ? 490 : Double(200 + index % 100)), Reading("capacity", 500)])
    default:
        return Event(kind: .environment, sensor: "aq-\(sensor)", district: "d\(sensor % 20)", timestamp: time,
                     readings: [Reading("pm25", odd ? 120 : 20), Reading("no2", 30), Reading("noise_db", 55)])
    }
}

func run(_ yaml: String, _ benchmark: Benchmark) throws {
    let pipeline = try PipelineLoader.load(yaml: yaml)
    let engine = StreamEngine(pipeline: pipeline, partitions: 1) { blackHole($0.records.count) }
    benchmark.startMeasurement()
    var start = 0
    while start < events.count {
        engine.submit(Array(events[start..<min(start + 4_096, events.count)]))
        start += 4_096
    }
    engine.finish()
    benchmark.stopMeasurement()
}

let benchmarkPipeline = try! String(
    contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios/pipeline.yaml"),
    encoding: .utf8
)

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxIterations: 5)
    Benchmark("1M events, windows only (tumbling 1m mean/max), 1 partition", configuration: configuration) { benchmark in
        try run("""
            outputs:
              - { name: w, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [mean(speed_kmh), max(speed_kmh)] }
            """, benchmark)
    }
    Benchmark("1M events, one threshold rule with hysteresis (tumbling 1m), 1 partition", configuration: configuration) { benchmark in
        try run("""
            rules:
              - name: congestion
                match: { kind: traffic }
                window: { tumbling: 1m }
                when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
                clear_when: mean(speed_kmh) >= 25
                department: traffic-police
            """, benchmark)
    }
    Benchmark("1M events, the 10-rule benchmark pipeline, 1 partition", configuration: configuration) { benchmark in
        try run(benchmarkPipeline, benchmark)
    }
    // Per-reading detectors (600 k traffic readings of the 1 M): compare with "one threshold rule".
    Benchmark("1M events, one anomaly rule (recent level only), 1 partition", configuration: configuration) { benchmark in
        try run("""
            rules:
              - { name: drop, kind: anomaly, value: speed_kmh, direction: below, z: 6, match: { kind: traffic }, department: d }
            """, benchmark)
    }
    Benchmark("1M events, one anomaly rule with a 14-day, 15-minute profile, 1 partition", configuration: configuration) { benchmark in
        try run("""
            rules:
              - { name: drop, kind: anomaly, value: speed_kmh, direction: below, z: 6, seasonal: { learn: 14d, slot: 15m }, match: { kind: traffic }, department: d }
            """, benchmark)
    }
    Benchmark("1M events, one prediction rule over 10m, 1 partition", configuration: configuration) { benchmark in
        try run("""
            rules:
              - { name: slowing, kind: prediction, value: speed_kmh, over: 10m, horizon: 10m, falls_below: 20, match: { kind: traffic }, department: d }
            """, benchmark)
    }
    Benchmark("1M events, one stuck rule over three fields, 1 partition", configuration: configuration) { benchmark in
        try run("""
            rules:
              - { name: stuck, kind: stuck, fields: [speed_kmh, occupancy, flow_vph], for: 30m, match: { kind: traffic }, department: d }
            """, benchmark)
    }
    Benchmark("1M events, the default pipeline (Pipelines/city.yaml), 1 partition", configuration: configuration) { benchmark in
        try run(BuiltInPipeline.cityYAML, benchmark)
    }
}
