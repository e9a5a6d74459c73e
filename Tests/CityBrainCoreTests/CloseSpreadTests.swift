import CityBrainCore
import Foundation
import Synchronization
import Testing

/// `watermark: close_spread`: a close of many keys' windows comes in slices, each key's at its
/// own lag behind the watermark, with the input in between; the results are the same windows.
@Suite("Close spread")
struct CloseSpreadTests {
    /// 6.4 s over the slices: a key of slice `n` closes its windows `6.4 s × n / slices` after the watermark.
    static let spread = CloseSpread(span: 6_400)

    static func pipeline(spread: String, lateness: String = "0s") throws -> Pipeline {
        try PipelineLoader.load(yaml: """
        watermark: { max_out_of_orderness: 0s, close_spread: \(spread) }
        outputs:
          - { name: counts, match: { kind: traffic }, window: { tumbling: 1m, allowed_lateness: \(lateness) }, aggregates: [count()] }
        """)
    }

    /// 200 sensors, each reading once a second for `seconds`, sensor `n` at `n × 5 ms` into each
    /// second, in time order: the watermark (no out-of-orderness allowed) is the time of the
    /// event at hand, and moves in 5 ms steps.
    static func city(seconds: Int = 150) -> [Event] {
        (0..<seconds).flatMap { second in
            (0..<200).map { Fixture.traffic("s\($0)", at: Double(second) + Double($0) * 0.005, speed: 50) }
        }
    }

    /// The input position at which the watermark first reaches `time`, or `events.count` (the end
    /// of input) if it never does.
    static func position(reaching time: Int64, in events: [Event]) -> Int64 {
        Int64(events.firstIndex { $0.timestamp >= time } ?? events.count)
    }

    @Test("each key's window closes where the watermark passes its end plus the key's lag, so a close of 200 keys comes in slices across the input")
    func keysCloseAtTheirLag() throws {
        let events = Self.city()
        let harness = TriggerHarness(try Self.pipeline(spread: "6400ms"), partitions: 2)
        harness.feed(events, batchSize: 333)
        harness.engine.finish()
        let results = harness.windowResults
        #expect(results.count == 3 * 200)  // [0, 1m), [1m, 2m) and, at the end of input, [2m, 3m)
        var triggersOfFirstClose = Set<Int64>()
        for (result, trigger) in results {
            let lag = Self.spread.lag(ofSlice: CloseSpread.slice(of: result.key))
            #expect(trigger == Self.position(reaching: result.windowEnd + lag, in: events), "\(result.key) \(result.windowEnd)")
            #expect(result.count == (result.windowEnd == Fixture.minute(3) ? 30 : 60), "\(result.key) \(result.windowEnd)")
            if result.windowEnd == Fixture.minute(1) { triggersOfFirstClose.insert(trigger) }
        }
        // 200 keys over 128 slices: most slices hold a key (about 101 expected), each closed at
        // its own position.
        #expect(CloseSpread.slices == 128 && triggersOfFirstClose.count > 80)
        // Spread over more than 5 s of input (200 readings a second), and within the 6.4 s.
        #expect(triggersOfFirstClose.max()! - triggersOfFirstClose.min()! > 5 * 200)
        #expect(triggersOfFirstClose.min()! >= Self.position(reaching: Fixture.minute(1), in: events))
        #expect(triggersOfFirstClose.max()! < Self.position(reaching: Fixture.minute(1) + 6_400, in: events))
        #expect(harness.engine.statistics.lateEvents == 0)
    }

    @Test("a key's events are judged late by its own watermark: on time while its window waits for its slice, late after, with the lag in the reason")
    func latenessByTheKeysWatermark() throws {
        // A sensor of the first slice (no lag) and one whose windows close 3.2 s or more after the watermark.
        let prompt = try #require((0..<1_000).map { "p\($0)" }.first { CloseSpread.slice(of: $0) == 0 })
        let lagging = try #require((0..<1_000).map { "l\($0)" }.first { CloseSpread.slice(of: $0) >= CloseSpread.slices / 2 })
        let harness = TriggerHarness(try Self.pipeline(spread: "6400ms"), partitions: 2)
        var events = [10.0, 20, 30, 40, 50].flatMap { [Fixture.traffic(prompt, at: $0, speed: 50), Fixture.traffic(lagging, at: $0, speed: 50)] }
        events.append(Fixture.traffic("clock", at: 61, speed: 50))       // the watermark passes 1m by 1 s
        events.append(Fixture.traffic(prompt, at: 59.5, speed: 50))      // its window has closed: late
        events.append(Fixture.traffic(lagging, at: 59.5, speed: 50))     // its window waits: on time
        events.append(Fixture.traffic("clock", at: 70, speed: 50))       // past every lag
        events.append(Fixture.traffic(lagging, at: 59.7, speed: 50))     // now late for it too
        harness.feed(events, batchSize: 1)
        harness.engine.finish()
        let firstMinute = Dictionary(uniqueKeysWithValues: harness.windowResults.map(\.0).filter { $0.windowEnd == Fixture.minute(1) }
            .map { ($0.key, $0.count) })
        #expect(firstMinute == [prompt: 5, lagging: 6])
        let late = harness.records.compactMap { if case .late(let late) = $0.0 { late } else { nil } }
        #expect(late.map(\.event.sensor) == [prompt, lagging])
        #expect(!late[0].reason.contains("close_spread"))
        let lag = DurationText.format(Self.spread.lag(ofSlice: CloseSpread.slice(of: lagging)))
        #expect(late[1].reason.contains("closing \(lag) after the watermark for this key (close_spread)"), "\(late[1].reason)")
    }

    @Test("a reload that changes the spread moves every pending close: later to the new lags, or at once when the spread is removed")
    func reloadMovesCloses() throws {
        let events = Self.city(seconds: 130)
        let spread = try Self.pipeline(spread: "6400ms"), none = try Self.pipeline(spread: "0s")
        // No spread at first, then 6.4 s from 30 s of event time on.
        let widened = TriggerHarness(none, partitions: 2)
        widened.feed(Array(events[..<6_000]), batchSize: 500)
        widened.engine.reload(spread)
        widened.feed(Array(events[6_000...]), batchSize: 500)
        for (result, trigger) in widened.windowResults where result.windowEnd == Fixture.minute(1) {
            let lag = Self.spread.lag(ofSlice: CloseSpread.slice(of: result.key))
            #expect(trigger == Self.position(reaching: result.windowEnd + lag, in: events), "\(result.key)")
            #expect(result.count == 60)
        }
        // The spread removed 3 s into a spread close: keys still waiting close at the next event.
        let cut = Int(Self.position(reaching: Fixture.minute(1) + 3_000, in: events))
        let narrowed = TriggerHarness(spread, partitions: 2)
        narrowed.feed(Array(events[..<cut]), batchSize: 500)
        narrowed.engine.reload(none)
        narrowed.feed(Array(events[cut...]), batchSize: 500)
        let firstMinute = narrowed.windowResults.filter { $0.0.windowEnd == Fixture.minute(1) }
        #expect(firstMinute.count == 200 && firstMinute.allSatisfy { $0.0.count == 60 })
        for (result, trigger) in firstMinute {
            let lag = Self.spread.lag(ofSlice: CloseSpread.slice(of: result.key))
            let due = Self.position(reaching: result.windowEnd + lag, in: events)
            #expect(trigger == (due < cut ? due : Int64(cut)), "\(result.key)")
        }
    }

    @Test("an engine restored from a checkpoint taken in the middle of a spread close goes on as if never stopped")
    func checkpointMidSpread() throws {
        let yaml = CheckpointTests.assorted.replacingOccurrences(
            of: "watermark: { max_out_of_orderness: 20s }", with: "watermark: { max_out_of_orderness: 20s, close_spread: 50s }")
        let pipeline = try PipelineLoader.load(yaml: yaml)
        #expect(pipeline.watermark.closeSpread == 50_000)
        let events = CheckpointTests.assortedCity()
        // At 20 s a step, 6 sensors a step: cuts inside the 50 s after the 5-minute and 10-minute closes.
        let cuts = [16, 17, 18, 31, 32, 33].map { $0 * 6 + 2 } + [events.count / 2]
        // Those six cuts do fall inside a spread close: the watermark there (newest event time
        // less 20 s) has passed a 5-minute window end by less than the 50 s spread.
        let insideClose = cuts.prefix(6).filter { cut in
            let watermark = events[..<cut].map(\.timestamp).max()! - 20_000 - Fixture.base
            return watermark >= 300_000 && watermark % 300_000 < 50_000
        }
        #expect(insideClose.count == 6)
        try CheckpointTests.expectSameAfterRestore(pipeline, events, cuts: cuts)
    }

    @Test("the close schedule counts a spread close as over once its last slice is passed")
    func scheduleWaitsForTheLastSlice() throws {
        let schedule = CloseSchedule(try Self.pipeline(spread: "6400ms", lateness: "20s"))
        let minute: Int64 = 60_000, last = Self.spread.lag(ofSlice: UInt8(CloseSpread.slices - 1))  // the last slice's lag
        #expect(last == 6_350)
        #expect(!schedule.crossed(from: minute - 1, to: minute))
        #expect(!schedule.crossed(from: minute, to: minute + last - 1))
        #expect(schedule.crossed(from: minute + last - 1, to: minute + last))
        #expect(schedule.crossed(from: minute + 20_000 + last - 1, to: minute + 20_000 + last))  // the end of lateness, likewise
        #expect(!schedule.crossed(from: minute + last, to: minute + 20_000 + last - 1))
    }

    @Test("close_spread is read as a duration, and anything else is refused with where it is")
    func loading() throws {
        #expect(try Self.pipeline(spread: "2s").watermark.closeSpread == 2_000)
        #expect(try PipelineLoader.load(yaml: "outputs: [{ name: n, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [count()] }]")
            .watermark.closeSpread == 0)
        #expect(throws: PipelineErrors.self) { try Self.pipeline(spread: "soon") }
        let error = #expect(throws: PipelineErrors.self) { try Self.pipeline(spread: "-1s") }
        #expect(error?.description == "<pipeline>:1:54: error: 'close_spread' must be a duration such as 500ms, 5s, 1m or 1h, found '-1s'")
    }
}

/// Runs events through a ``StreamEngine`` and keeps every record with its trigger position.
final class TriggerHarness: Sendable {
    let engine: StreamEngine
    private let collected = Collected()

    private final class Collected: Sendable {
        let records = Mutex<[(OutputRecord, Int64)]>([])
    }

    init(_ pipeline: Pipeline, partitions: Int) {
        let collected = self.collected
        engine = StreamEngine(pipeline: pipeline, partitions: partitions) { output in
            collected.records.withLock { $0 += zip(output.batch.records, output.batch.triggers) }
        }
    }

    func feed(_ events: [Event], batchSize: Int) {
        for start in stride(from: 0, to: events.count, by: batchSize) {
            engine.submit(Array(events[start..<min(start + batchSize, events.count)]))
        }
        engine.drain()
    }

    var records: [(OutputRecord, Int64)] { collected.records.withLock { $0 } }
    var windowResults: [(WindowResult, Int64)] {
        records.compactMap { if case .window(let result) = $0.0 { (result, $0.1) } else { nil } }
    }
}
