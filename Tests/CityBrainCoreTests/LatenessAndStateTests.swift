@testable import CityBrainCore
import Foundation
import Testing

@Suite("Lateness, idle sources and bounded state")
struct LatenessAndStateTests {
    func traffic(_ sensor: String, at seconds: Double, speed: Double = 50) -> Event {
        Fixture.traffic(sensor, at: seconds, speed: speed)
    }

    @Test("within the allowed lateness a late event updates its window; beyond it the event is reported and counted")
    func allowedLateness() throws {
        let harness = try EngineHarness(yaml: """
        watermark: { max_out_of_orderness: 5s }
        outputs:
          - name: speed
            match: { kind: traffic }
            window: { tumbling: 1m, allowed_lateness: 30s }
            aggregates: [mean(speed_kmh)]
        """)
        harness.feed([traffic("s1", at: 10, speed: 10), traffic("s1", at: 70, speed: 20)])  // watermark 65 s: [0, 60) fires
        var results = harness.windowResults
        #expect(results.map(\.count) == [1])
        #expect(results.map(\.final) == [false])  // more may come for 30 s
        harness.feed([traffic("s1", at: 20, speed: 30)])  // late, within the lateness: an update
        results = harness.windowResults
        #expect(results.map(\.count) == [1, 2])
        #expect(results.last?.values == [.init(name: "mean(speed_kmh)", value: 20)])
        #expect(results.last?.final == false)
        harness.feed([traffic("s1", at: 100, speed: 20)])  // watermark 95 s ≥ 60 + 30: the final result
        results = harness.windowResults
        #expect(results.count == 3)
        #expect(results[2].final && results[2].count == 2 && results[2].windowStart == Fixture.minute(0))
        harness.feed([traffic("s1", at: 30, speed: 99)])  // beyond the lateness
        #expect(harness.engine.statistics.lateEvents == 1)
        let late = try #require(harness.lateEvents.first)
        #expect(late.event.timestamp == Fixture.base + 30_000)
        #expect(late.droppedBy == ["speed"])
        #expect(late.watermark == Fixture.base + 95_000)
        #expect(late.reason == "window [2024-11-22T10:00:00.000Z, 2024-11-22T10:01:00.000Z) of speed closed at watermark 2024-11-22T10:01:35.000Z (allowed lateness 30s); the event is 65.0 s behind the watermark")
        #expect(late.json.hasPrefix(#"{"late_event":{"kind":"traffic","sensor":"s1","district":"d01","ts":1732269630000"#))
        #expect(harness.windowResults.count == 3)  // the dropped event changed nothing
    }

    @Test("a late event is dropped only from windows past their lateness; sliding windows still open keep it")
    func partialLateness() throws {
        let harness = try EngineHarness(yaml: """
        watermark: { max_out_of_orderness: 0s }
        outputs:
          - { name: five, match: { kind: traffic }, window: { sliding: { size: 2m, slide: 1m } }, aggregates: [max(speed_kmh)] }
        """)
        harness.feed([traffic("s1", at: 10), traffic("s1", at: 125), traffic("s1", at: 61, speed: 80)])
        // At watermark 125 s, [0, 2m) has fired; [1m, 3m) is open and takes the late event.
        #expect(harness.engine.statistics.lateEvents == 0)
        let results = harness.finishWindows()
        let open = try #require(results.first { $0.windowStart == Fixture.minute(1) })
        #expect(open.count == 2)
        #expect(open.values.first?.value == 80)
    }

    @Test("an idle source stops holding the watermark back")
    func idleSource() throws {
        let yaml = """
        watermark:
          max_out_of_orderness: 5s
          idle_timeout: IDLE
          sources: { traffic: 5s, parking: 2m }
        outputs:
          - { name: speed, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [mean(speed_kmh)] }
        """
        var events = [Event(kind: .parking, sensor: "g1", timestamp: Fixture.base, readings: [Reading("occupied", 10), Reading("capacity", 20)])]
        for second in stride(from: 0.0, to: 240, by: 2) { events.append(traffic("s1", at: second)) }

        let idle = try EngineHarness(yaml: yaml.replacingOccurrences(of: "IDLE", with: "1m"))
        idle.feed(events)
        // Parking went quiet at 0 s; from 60 s on it no longer counts, so traffic's windows close.
        #expect(idle.windowResults.map(\.windowStart) == [Fixture.minute(0), Fixture.minute(1), Fixture.minute(2)])
        #expect(idle.engine.statistics.watermark == Fixture.base + 238_000 - 5_000)

        let patient = try EngineHarness(yaml: yaml.replacingOccurrences(of: "IDLE", with: "1h"))
        patient.feed(events)
        #expect(patient.windowResults.isEmpty)  // held back by parking's 2-minute bound at 0 s
        #expect(patient.engine.statistics.watermark == Fixture.base - 120_000)
    }

    @Test("a key that goes silent releases all its state after the TTL")
    func keyTTL() throws {
        let harness = try EngineHarness(yaml: """
        state: { key_ttl: 10m }
        outputs:
          - { name: speed, match: { kind: traffic }, window: { sliding: { size: 5m, slide: 1m } }, aggregates: [p95(speed_kmh), mean(speed_kmh)] }
          - { name: sensors, match: { kind: traffic }, key_by: district, window: { tumbling: 1m }, aggregates: [distinct(sensor)] }
        """)
        var events: [Event] = []
        for second in stride(from: 0.0, to: 60, by: 1) {
            for sensor in 0..<200 { events.append(traffic("s\(sensor)", at: second)) }
        }
        harness.feed(events)
        let busy = harness.engine.statistics
        #expect(busy.keys == 201)  // 200 sensors and one district
        #expect(busy.openWindows > 200)
        harness.feed(stride(from: 60.0, to: 3_600, by: 10).map { traffic("s0", at: $0) })
        let quiet = harness.engine.statistics
        #expect(quiet.keys == 2)  // s0 and its district are still active
        #expect(quiet.openWindows <= 7)  // s0's five sliding windows, its district's minute, plus the next
        // What remains is s0's windows and the key table's slots, which stay sized to the peak
        // number of keys (reused, never grown by history): about a fifth of the busy state
        // (0.197 alone; up to 0.201 when the whole suite runs in the process, where both figures
        // move by a few hundred bytes). Without the release it would be all of it.
        #expect(quiet.stateBytes < busy.stateBytes / 4)
    }

    @Test("a session stops growing at its maximum length; the next event starts a new session")
    func sessionMaximum() throws {
        let harness = try EngineHarness(yaml: """
        watermark: { max_out_of_orderness: 0s }
        outputs:
          - { name: trips, match: { kind: traffic }, window: { session: { gap: 30s, max_length: 2m } }, aggregates: [min(speed_kmh)] }
        """)
        // One event every 20 s for 5 minutes: the gap never breaks it, the maximum length does.
        harness.feed(stride(from: 0.0, to: 300, by: 20).map { traffic("s1", at: $0) })
        let sessions = harness.finishWindows()
        #expect(sessions.map { ($0.windowStart - Fixture.base) / 1000 } == [0, 120, 240])
        #expect(sessions.map { ($0.windowEnd - Fixture.base) / 1000 } == [120, 240, 310])
        #expect(sessions.map(\.count) == [6, 6, 3])
    }

    @Test("an event before a capped session's start brings its end forward, and the session closes there")
    func sessionEndForward() throws {
        let harness = try EngineHarness(yaml: """
        watermark: { max_out_of_orderness: 30s }
        outputs:
          - { name: trips, match: { kind: traffic }, window: { session: { gap: 30s, max_length: 2m } }, aggregates: [min(speed_kmh)] }
        """)
        // A session from 10 s to 110 s ends at 130 s (capped: 10 s + 2 m); the event at 0 s, late
        // but within the bound, moves its start and so its end to 120 s. The event at 125 s is
        // then past it and starts a session of its own.
        harness.feed(stride(from: 10.0, through: 110, by: 10).map { traffic("s1", at: $0) } + [traffic("s1", at: 0), traffic("s1", at: 125)])
        let sessions = harness.finishWindows()
        #expect(sessions.map { ($0.windowStart - Fixture.base) / 1000 } == [0, 125])
        #expect(sessions.map { ($0.windowEnd - Fixture.base) / 1000 } == [120, 155])
        #expect(sessions.map(\.count) == [12, 1])
    }

    @Test("a session keeps one pending close however many events extend it")
    func sessionDeadlines() throws {
        let pipeline = try PipelineLoader.load(yaml: """
        outputs:
          - { name: trips, match: { kind: traffic }, window: { session: { gap: 2m } }, aggregates: [count()] }
        """)
        let sessions = SessionWindowOperator(gap: 120_000, maxLength: nil, aggregation: pipeline.aggregations[0])
        var firings = FiringBatch()
        for second in 0..<600 {
            for key in 0..<5 as Range<Int32> {
                _ = sessions.add(traffic("s\(key)", at: Double(second)), key: key, watermark: Fixture.base + Int64(second - 5) * 1000,
                                 trigger: Int64(second * 5) + Int64(key), into: &firings)
            }
        }
        #expect(sessions.pendingDeadlines == 5)
        #expect(firings.isEmpty)
        // Their first entries (2 m after the first event) come due: each moves to its session's end.
        sessions.advance(to: Fixture.base + 300_000, clock: TriggerClock(firstIndex: 3_000, watermarks: [Fixture.base + 300_000]), into: &firings)
        #expect(firings.isEmpty)
        #expect(sessions.pendingDeadlines == 5)
        sessions.advance(to: Fixture.base + 719_000, clock: TriggerClock(firstIndex: 3_001, watermarks: [Fixture.base + 719_000]), into: &firings)
        #expect(firings.firings.map(\.end) == Array(repeating: Fixture.base + 719_000, count: 5))
        #expect(firings.values(of: firings.firings[0]).firstValue == 600)
        #expect(sessions.pendingDeadlines == 0)
    }

    @Test("window definitions are checked with positions")
    func windowErrors() {
        func diagnostics(_ window: String) -> [String] {
            do {
                _ = try PipelineLoader.load(yaml: """
                outputs:
                  - name: x
                    match: { kind: traffic }
                    window: \(window)
                    aggregates: [mean(speed_kmh)]
                """, file: "w.yaml")
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }
        #expect(diagnostics("{ sliding: { size: 1m, slide: 5m } }") == ["w.yaml:4:43: error: slide 5m is longer than size 1m; events between windows would be lost"])
        #expect(diagnostics("{ session: { max_length: 1h } }") == ["w.yaml:4:24: error: a session window needs 'gap', e.g. { gap: 2m }"])
        #expect(diagnostics("{ tumbling: 1m, session: { gap: 1m } }") == ["w.yaml:4:13: error: window has both 'tumbling' and 'session'; give one"])
        #expect(diagnostics("{ tumbling: 1m, allowed_latenes: 5s }") == ["w.yaml:4:29: error: unknown field 'allowed_latenes' in window, did you mean 'allowed_lateness'? (expected one of tumbling, sliding, session, allowed_lateness)"])
        #expect(diagnostics("{ tumbling: 1m }") == [])
    }
}
