// Memory per open (key, window): 100 000 sensors each with one open window, measured two ways:
// the growth of resident memory, and the engine's own estimate (EngineStatistics.stateBytes).
import Benchmark
import CityBrainCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

let keys = 100_000
let rssPerWindow = BenchmarkMetric.custom("RSS bytes per (key, window)", polarity: .prefersSmaller, useScalingFactor: false)
let estimatePerWindow = BenchmarkMetric.custom("estimated bytes per (key, window)", polarity: .prefersSmaller, useScalingFactor: false)
let base: Int64 = 1_732_269_600_000

/// glibc's `malloc_trim`, which Swift's Glibc module does not export.
let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
}()

/// Resident memory after returning freed heap pages to the system, so that transient input
/// buffers (decoded batches in flight) do not count as window state.
func residentBytes() -> Int {
    mallocTrim?(0)
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Opens one window per sensor (all events inside the first minute, so nothing closes) and
/// reports bytes per open (key, window).
func measure(_ benchmark: Benchmark, window: String, windowsPerKey: Int) throws {
    let pipeline = try PipelineLoader.load(yaml: """
        outputs:
          - { name: w, match: { kind: traffic }, window: \(window), aggregates: [mean(speed_kmh), max(speed_kmh)] }
        """)
    let before = residentBytes()
    let engine = StreamEngine(pipeline: pipeline, partitions: 1) { _ in }
    benchmark.startMeasurement()
    var batch: [Event] = []
    batch.reserveCapacity(4_096)
    for sensor in 0..<keys {
        batch.append(Event(kind: .traffic, sensor: "seg-\(sensor)", district: "d\(sensor % 12)",
                           timestamp: base + Int64(sensor % 50_000), readings: [Reading("speed_kmh", Double(sensor % 90))]))
        if batch.count == 4_096 {
            engine.submit(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    engine.submit(batch)
    engine.drain()
    benchmark.stopMeasurement()
    let windows = keys * windowsPerKey
    let statistics = engine.statistics
    benchmark.measurement(rssPerWindow, (residentBytes() - before) / windows)
    benchmark.measurement(estimatePerWindow, statistics.stateBytes / windows)
    blackHole(engine)
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident, rssPerWindow, estimatePerWindow], warmupIterations: 0, maxIterations: 1)
    Benchmark("open windows: tumbling 1m count/mean/max, 100k keys", configuration: configuration) { benchmark in
        try measure(benchmark, window: "{ tumbling: 1m }", windowsPerKey: 1)
    }
    Benchmark("open windows: sliding 5m every 1m count/mean/max, 100k keys", configuration: configuration) { benchmark in
        try measure(benchmark, window: "{ sliding: { size: 5m, slide: 1m } }", windowsPerKey: 5)
    }
}
