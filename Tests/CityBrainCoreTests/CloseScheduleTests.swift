import CityBrainCore
import Testing

@Suite("Close schedule")
struct CloseScheduleTests {
    @Test("a batch counts as a close burst exactly when its watermark step fires windows, for tumbling and sliding windows whose ends are not multiples of their slide")
    func burstsAreFirings() throws {
        let harness = try EngineHarness(yaml: """
        watermark: { max_out_of_orderness: 5s }
        outputs:
          - { name: three, match: { kind: traffic }, window: { tumbling: 3m }, aggregates: [mean(speed_kmh)] }
          - { name: five-every-two, match: { kind: traffic }, window: { sliding: { size: 5m, slide: 2m } }, aggregates: [count()] }
        """)
        var random = SeededRandom(seed: 7)
        var seconds = 0.0
        var bursts = 0
        for _ in 0..<400 {
            seconds += Double(random.next() % 40)
            let before = harness.windowResults.count
            harness.feed((0..<3).map { Fixture.traffic("s\($0)", at: seconds, speed: 50) })
            let fired = harness.windowResults.count > before
            #expect(harness.engine.closedWindows == fired, "batch at \(seconds) s")
            if fired { bursts += 1 }
        }
        #expect(bursts > 40)  // both window kinds fired many times
    }

    @Test("ends of allowed lateness are bursts too (windows dropped); sessions, silence and per-reading rules have none")
    func latenessAndKeyedWindows() throws {
        let pipeline = try PipelineLoader.load(yaml: """
        outputs:
          - { name: late, match: { kind: traffic }, window: { tumbling: 1m, allowed_lateness: 20s }, aggregates: [count()] }
          - { name: visits, match: { kind: traffic }, window: { session: { gap: 2m } }, aggregates: [count()] }
        """)
        let schedule = CloseSchedule(pipeline)
        let minute: Int64 = 60_000
        #expect(schedule.longestPeriod == minute)
        #expect(schedule.crossed(from: 59_999, to: minute))           // the window ends
        #expect(!schedule.crossed(from: minute, to: minute + 19_999))
        #expect(schedule.crossed(from: minute + 19_999, to: minute + 20_000))  // its lateness ends
        #expect(!schedule.crossed(from: minute + 20_000, to: 2 * minute - 1))
        #expect(schedule.crossed(from: -minute - 1, to: -minute))     // before the epoch as well
        #expect(!schedule.crossed(from: .min, to: minute))            // the first watermark closes nothing
        #expect(schedule.crossed(from: minute, to: .max))             // the end of input closes all

        let keyed = CloseSchedule(try PipelineLoader.load(yaml: """
        rules:
          - { name: visits, match: { kind: traffic }, window: { session: { gap: 2m } }, when: count() > 100, department: traffic-police }
        """))
        #expect(keyed.isEmpty && keyed.longestPeriod == nil && !keyed.crossed(from: 0, to: 10 * minute))
    }
}
