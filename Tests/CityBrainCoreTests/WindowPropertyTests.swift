import CityBrainCore
import Foundation
import Testing

@Suite("Windows against a brute-force reference")
struct WindowPropertyTests {
    static let aggregates = ["sum", "mean", "min", "max", "first", "last", "stddev", "slope", "slope_se", "p95"]

    static let pipeline = """
    watermark: { max_out_of_orderness: 5s }
    outputs:
      - name: tumbling
        match: { kind: traffic }
        window: { tumbling: 1m }
        aggregates: [\(aggregates.map { "\($0)(speed_kmh)" }.joined(separator: ", "))]
      - name: sliding
        match: { kind: traffic }
        window: { sliding: { size: 5m, slide: 1m } }
        aggregates: [\(aggregates.map { "\($0)(speed_kmh)" }.joined(separator: ", "))]
      - name: session
        match: { kind: traffic }
        window: { session: { gap: 20s } }
        aggregates: [\(aggregates.map { "\($0)(speed_kmh)" }.joined(separator: ", "))]
      - name: districts
        match: { kind: traffic }
        key_by: district
        window: { sliding: { size: 3m, slide: 90s } }
        aggregates: [distinct(sensor), mean(speed_kmh)]
    """

    /// A seeded stream: events every ~`step` ms in arrival order, each shifted by up to ±2 s, so
    /// they arrive out of order but within the 5 s bound. Sensors burst and pause, so sessions form.
    static func stream(seed: UInt64, count: Int) -> [Event] {
        var random = SeededRandom(seed: seed)
        var events: [Event] = []
        let base: Int64 = 1_732_269_600_000 + Int64.random(in: 0..<60_000, using: &random)
        for index in 0..<count {
            let sensor = Int.random(in: 0..<12, using: &random)
            let nominal = base + Int64(index) * 700
            // Each sensor is silent in some stretches, which separates its sessions.
            if (nominal / 45_000 + Int64(sensor)) % 3 == 0 { continue }
            let jitter = Int64.random(in: -2_000...2_000, using: &random)
            let speed = (Double.random(in: 0...120, using: &random) * 100).rounded() / 100
            events.append(Event(kind: .traffic, sensor: "s\(sensor)", district: "d\(sensor % 3)", timestamp: nominal + jitter,
                                readings: [Reading("speed_kmh", speed)]))
        }
        return events
    }

    /// The same windows with their closes spread over 40 s of event time (``CloseSpread``).
    static let spreadPipeline = pipeline.replacingOccurrences(of: "max_out_of_orderness: 5s", with: "max_out_of_orderness: 5s, close_spread: 40s")

    @Test("every window result equals the brute-force computation", arguments: [1, 2, 3, 4] as [UInt64])
    func matchesReference(seed: UInt64) throws {
        try Self.expectReference(seed: seed, pipeline: Self.pipeline)
    }

    @Test("with the closes spread, every window result still equals the brute-force computation", arguments: [5, 6] as [UInt64])
    func spreadMatchesReference(seed: UInt64) throws {
        try Self.expectReference(seed: seed, pipeline: Self.spreadPipeline)
    }

    static func expectReference(seed: UInt64, pipeline yaml: String) throws {
        let events = Self.stream(seed: seed, count: 3_000)
        let pipeline = try PipelineLoader.load(yaml: yaml)
        let harness = EngineHarness(pipeline, partitions: Int(seed % 3) + 1)
        harness.feed(events, batchSize: Int(seed) * 37)
        let results = harness.finishRecords().compactMap { record -> WindowResult? in
            if case .window(let result) = record { return result } else { return nil }
        }
        #expect(harness.engine.statistics.lateEvents == 0)
        #expect(results.allSatisfy { $0.final })

        let references: [(String, [BruteForceWindows.Window: [Event]])] = [
            ("tumbling", BruteForceWindows.panes(events, key: { $0.sensor }, size: 60_000, slide: 60_000)),
            ("sliding", BruteForceWindows.panes(events, key: { $0.sensor }, size: 300_000, slide: 60_000)),
            ("session", BruteForceWindows.sessions(events, gap: 20_000)),
            ("districts", BruteForceWindows.panes(events, key: { $0.district }, size: 180_000, slide: 90_000)),
        ]
        for (output, reference) in references {
            let mine = results.filter { $0.output == output }
            let byWindow = Dictionary(mine.map { (BruteForceWindows.Window(key: $0.key, start: $0.windowStart, end: $0.windowEnd), $0) },
                                      uniquingKeysWith: { first, _ in first })
            #expect(mine.count == byWindow.count, "\(output): a window was emitted twice")
            #expect(Set(byWindow.keys) == Set(reference.keys), "\(output): different windows")
            for (window, expected) in reference {
                guard let result = byWindow[window] else { continue }
                #expect(result.count == expected.count, "\(output) \(window)")
                let values = Dictionary(uniqueKeysWithValues: result.values.map { ($0.name, $0.value) })
                if output == "districts" {
                    #expect(values["distinct(sensor)"] == Double(Set(expected.map(\.sensor)).count))
                    #expect(close(values["mean(speed_kmh)"] ?? nil, BruteForceWindows.value("mean", of: "speed_kmh", in: expected)))
                    continue
                }
                for function in Self.aggregates {
                    let actual = values["\(function)(speed_kmh)"] ?? nil
                    let reference = BruteForceWindows.value(function, of: "speed_kmh", in: expected)
                    switch function {
                    case "p95":
                        #expect(abs((actual ?? -1) - (reference ?? 0)) <= 0.01 * abs(reference ?? 0) + 1e-9, "\(output) \(window) p95")
                    case "min", "max", "first", "last":
                        #expect(actual == reference, "\(output) \(window) \(function)")
                    default:
                        #expect(close(actual, reference, tolerance: 1e-6), "\(output) \(window) \(function): \(String(describing: actual)) vs \(String(describing: reference))")
                    }
                }
            }
        }
    }

    @Test("results are identical whatever the partitioning and batching, with and without a close spread", arguments: [false, true])
    func deterministic(spread: Bool) throws {
        let events = Self.stream(seed: 99, count: 2_000)
        let pipeline = try PipelineLoader.load(yaml: spread ? Self.spreadPipeline : Self.pipeline)
        func run(_ partitions: Int, _ batch: Int) -> [OutputRecord] {
            let harness = EngineHarness(pipeline, partitions: partitions)
            harness.feed(events, batchSize: batch)
            return harness.finishRecords()
        }
        let reference = run(1, 10_000)
        #expect(reference.count > 500)
        #expect(run(4, 1) == reference)
        #expect(run(3, 113) == reference)
    }
}
