import CityBrainCore
import Synchronization

/// Runs events through a real ``StreamEngine`` and collects what it emits.
final class EngineHarness: Sendable {
    let engine: StreamEngine
    private let collected = RecordCollector()

    init(_ pipeline: Pipeline, partitions: Int = 2, emitScores: Bool = false) {
        let collected = self.collected
        engine = StreamEngine(pipeline: pipeline, partitions: partitions, emitScores: emitScores) { output in
            collected.append(output.records)
        }
    }

    convenience init(yaml: String, partitions: Int = 2) throws {
        self.init(try PipelineLoader.load(yaml: yaml), partitions: partitions)
    }

    /// Submits `events` in batches of `batchSize` and waits for the output.
    func feed(_ events: [Event], batchSize: Int = 1_000) {
        var start = 0
        while start < events.count {
            engine.submit(Array(events[start..<min(start + batchSize, events.count)]))
            start += batchSize
        }
        engine.drain()
    }

    /// Ends the input (closing every window) and returns all alerts emitted so far.
    func finish() -> [Alert] {
        engine.finish()
        return alerts
    }

    /// Ends the input and returns every record emitted so far.
    func finishRecords() -> [OutputRecord] {
        engine.finish()
        return records
    }

    /// Ends the input and returns every window result emitted so far.
    func finishWindows() -> [WindowResult] {
        engine.finish()
        return windowResults
    }

    var records: [OutputRecord] { collected.all }
    var alerts: [Alert] { records.compactMap(\.alert) }
    var windowResults: [WindowResult] {
        records.compactMap { if case .window(let result) = $0 { result } else { nil } }
    }
    var lateEvents: [LateEvent] {
        records.compactMap { if case .late(let late) = $0 { late } else { nil } }
    }
}

/// A thread-safe list of records.
final class RecordCollector: Sendable {
    private let records = Mutex<[OutputRecord]>([])
    func append(_ more: [OutputRecord]) { records.withLock { $0 += more } }
    var all: [OutputRecord] { records.withLock { $0 } }
}

/// Event builders for tests: times are seconds after a minute-aligned base.
enum Fixture {
    static let base: Int64 = 1_732_269_600_000  // 2024-11-22T10:00:00Z

    static func traffic(_ sensor: String, at seconds: Double, speed: Double, occupancy: Double = 0.1, district: String = "d01") -> Event {
        Event(kind: .traffic, sensor: sensor, district: district, timestamp: base + Int64((seconds * 1000).rounded()),
              readings: [Reading("speed_kmh", speed), Reading("occupancy", occupancy)])
    }

    static func minute(_ n: Int64) -> Int64 { base + n * 60_000 }
}
