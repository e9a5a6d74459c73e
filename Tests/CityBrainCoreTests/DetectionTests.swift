@testable import CityBrainCore
import Foundation
import Testing

/// Detection on real cadences: crafted series for each defect the first default pipeline had on
/// 5-minute feeds (issue "Anomaly detection that finds real incidents in real feeds …").
@Suite("Detection at any cadence")
struct DetectionTests {
    static func summary(_ alerts: [Alert]) -> [String] { RuleKindTests.summary(alerts) }

    /// A reading every `every` seconds from `from` for `count` readings.
    static func series(_ sensor: String, every: Double, count: Int, from: Double = 0, district: String = "d01",
                       speed: (Int, Double) -> Double) -> [Event] {
        (0..<count).map { index in
            let at = from + Double(index) * every
            return Fixture.traffic(sensor, at: at, speed: speed(index, at), district: district)
        }
    }

    // MARK: sustained in time

    @Test("sustained for 5m counts event time: five slow readings an hour apart are not five minutes in a row")
    func sustainedInTime() throws {
        let yaml = """
        rules:
          - name: slow-5m
            kind: sustained
            for: 5m
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            department: traffic-police
        """
        let hourly = try EngineHarness(yaml: yaml)
        hourly.feed(Self.series("hourly", every: 3600, count: 6) { _, _ in 10 })
        #expect(hourly.finish().isEmpty)

        let fiveMinute = try EngineHarness(yaml: yaml)
        fiveMinute.feed(Self.series("five-minute", every: 300, count: 4) { _, _ in 10 })
        // Windows [0, 1m) and [5m, 6m) hold: 6 minutes from the first window's start.
        #expect(Self.summary(fiveMinute.finish()) == ["slow-5m raised five-minute @360s warning"])
    }

    // MARK: silent by cadence

    @Test("silent by the sensor's own gaps: a 5-minute feed with its usual gaps stays quiet; when it stops, it is reported")
    func silentByCadence() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: quiet
            kind: silent
            gaps: 3
            at_least: 15m
            at_most: 2h
            match: { kind: traffic }
            department: traffic-operations
        """)
        // A reading every 5 minutes, with a 20-minute gap every 10 readings, for a day and a
        // half; a 1-minute neighbour keeps the watermark moving; then the 5-minute sensor stops.
        var events: [Event] = []
        var at = 0.0
        var stopped = 0.0
        for index in 0..<400 {
            events.append(Fixture.traffic("five-minute", at: at, speed: 50))
            stopped = at
            at += index % 10 == 9 ? 1200 : 300
        }
        events += Self.series("neighbour", every: 60, count: Int((at + 3 * 3600) / 60)) { _, _ in 50 }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish().filter { $0.state == .raised }
        // While it learns its rhythm (the first few of its long gaps) a 20-minute gap may count;
        // after that, only the stop.
        let learning = Fixture.base + 6 * 3_600_000
        #expect(alerts.filter { $0.ts > learning }.map(\.key) == ["five-minute"])
        let raised = try #require(alerts.last)
        // Its usual longest gap is learnt to about 20 minutes: silent after about an hour.
        let silentFor = Double(raised.ts - Fixture.base) / 1000 - stopped
        #expect(silentFor >= 40 * 60 && silentFor <= 90 * 60, "silent after \(silentFor) s")
        #expect(raised.message.hasPrefix("five-minute (d01) has sent nothing for"))
    }

    // MARK: anomaly

    @Test("anomaly: a one-minute fall of a 50 km/h segment to 18 km/h is raised at that reading, with score, expected and observed_at")
    func anomalyFall() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: speed-drop
            kind: anomaly
            value: speed_kmh
            direction: below
            z: 6
            min_spread: [5%, 2]
            match: { kind: traffic }
            department: traffic-police
        """)
        // Every 10 s for two hours, 50 ± 2 km/h; 18 km/h for one minute at 1:30.
        let events = Self.series("seg-1", every: 10, count: 720) { index, at in
            at >= 5400 && at < 5460 ? 18 : 50 + Double(index % 5 - 2)
        }
        harness.feed(events)
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["speed-drop raised seg-1 @5400s warning", "speed-drop resolved seg-1 @5460s warning"])
        let raised = try #require(alerts.first)
        #expect(raised.observedAt == Fixture.base + 5_400_000)
        #expect(raised.value == 18)
        let expected = try #require(raised.expected)
        #expect(abs(expected - 50) < 1)
        let score = try #require(raised.score)
        #expect(score > 0.5 && score < 1)
    }

    @Test("--emit scores: one score per reading after warm-up, in order, with the alert's state")
    func readingScores() throws {
        let harness = EngineHarness(try PipelineLoader.load(yaml: """
        rules:
          - { name: speed-drop, kind: anomaly, value: speed_kmh, direction: below, z: 6, min_spread: [5%, 2], match: { kind: traffic }, department: d }
        """), emitScores: true)
        harness.feed(Self.series("seg-1", every: 60, count: 120) { index, at in at >= 5400 && at < 5520 ? 18 : 50 + Double(index % 5 - 2) })
        let records = harness.finishRecords()
        let scores = records.compactMap { if case .score(let score) = $0 { score } else { nil } }
        // Warm-up: 6 readings over 30 minutes, so the first score is the 31st reading's.
        #expect(scores.count == 120 - 30)
        #expect(scores.first?.ts == Fixture.base + 30 * 60_000)
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0.ts < $1.ts })
        let drop = try #require(scores.first { $0.ts == Fixture.base + 5_400_000 })
        #expect(drop.value == 18 && drop.open && drop.zScore >= 6 && abs(drop.expected - 50) < 1)
        #expect(drop.json.hasPrefix(#"{"rule":"speed-drop","sensor":"seg-1","district":"d01","ts":\#(Fixture.base + 5_400_000),"value":18,"#))
        #expect(scores.filter(\.open).count == 2)
        // Without the flag, no scores.
        let plain = try EngineHarness(yaml: "rules:\n  - { name: speed-drop, kind: anomaly, value: speed_kmh, match: { kind: traffic }, department: d }")
        plain.feed(Self.series("seg-1", every: 60, count: 60) { _, _ in 50 })
        #expect(!plain.finishRecords().contains { if case .score = $0 { true } else { false } })
    }

    @Test("anomaly: a flat series never gives a null score; the spread floor applies")
    func anomalyFlat() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: pm-jump
            kind: anomaly
            value: speed_kmh
            direction: above
            z: 5
            min_spread: 2
            match: { kind: traffic }
            department: environment-bureau
        """)
        // 40 exactly for an hour (every minute), then 52: 12 over a floor of 2 is 6 spreads.
        let events = Self.series("flat", every: 60, count: 62) { index, _ in index == 61 ? 52 : 40 }
        harness.feed(events)
        let alerts = harness.finish()
        let raised = try #require(alerts.first)
        #expect(raised.state == .raised)
        let z = try #require(raised.values.first { $0.name == "z_score" }?.value)
        #expect(abs(z - 6) < 1e-9)
        #expect(raised.message == "flat (d01): speed_kmh = 52, expected 40 (score 0.59)")
    }

    @Test("outlier: a zero-spread baseline gives a finite z score and a message with a number")
    func outlierZeroSpread() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: no2-unusual
            kind: outlier
            value: mean(speed_kmh)
            baseline: mad
            history: 10
            warmup: 5
            z: 8
            direction: above
            match: { kind: traffic }
            window: { tumbling: 1m }
            department: environment-bureau
        """)
        harness.feed(Self.series("flat", every: 60, count: 8) { index, _ in index == 7 ? 50 : 40 })
        let alerts = harness.finish()
        let raised = try #require(alerts.first)
        let z = try #require(raised.values.first { $0.name == "z_score" }?.value)
        #expect(z.isFinite && z == 25)  // 10 over 1 % of 40
        #expect(!raised.message.contains("n/a"))
    }

    @Test("a seasonal baseline knows the morning rush: two weeks of daily rhythm give no alerts, an injected incident does; a plain baseline alerts every rush hour")
    func seasonalRhythm() throws {
        func pipeline(seasonal: Bool) -> String {
            """
            rules:
              - name: slow
                kind: anomaly
                value: speed_kmh
                direction: below
                z: 6
                min_spread: [5%, 2]
            \(seasonal ? "    seasonal: { learn: 14d, slot: 30m, min_days: 3 }" : "")
                match: { kind: traffic }
                department: traffic-police
            """
        }
        // Every 5 minutes for 14 days: 100 km/h, 40 km/h in a sharp rush from 8:00 to 8:30 on
        // weekdays; an incident (25 km/h, 15:00–15:30) on day 11.
        let day = 86_400.0
        let events = Self.series("road", every: 300, count: 14 * 288) { index, at in
            // The base is 10:00 UTC on Friday 2024-11-22.
            let utc = (at + 10 * 3600).truncatingRemainder(dividingBy: day) / 3600
            let utcDay = Int((at + 10 * 3600) / day)
            let weekday = (utcDay + 4) % 7 < 5  // Monday = 0
            if utcDay == 11 && utc >= 15 && utc < 15.5 { return 25 }
            if weekday && utc >= 8 && utc < 8.5 { return 40 }
            return 100 + Double(index % 3)
        }
        let seasonal = try EngineHarness(yaml: pipeline(seasonal: true))
        seasonal.feed(events)
        let seasonalRaises = seasonal.finish().filter { $0.state == .raised }
        let plain = try EngineHarness(yaml: pipeline(seasonal: false))
        plain.feed(events)
        let plainRaises = plain.finish().filter { $0.state == .raised }

        let incident = Fixture.base + Int64((11 * day + 5 * 3600) * 1000)  // 15:00 UTC on 2024-12-03
        #expect(plainRaises.contains { $0.observedAt == incident })
        #expect(seasonalRaises.contains { $0.observedAt == incident })
        // The plain baseline calls every weekday rush an incident; the seasonal one stops once
        // the rush slots have seen three weekdays.
        #expect(plainRaises.count >= 9)
        #expect(seasonalRaises.count <= 4, "\(seasonalRaises.map { "\(EventTime.iso8601($0.observedAt ?? 0)) \($0.value ?? 0) \($0.expected ?? 0)" })")
    }

    // MARK: trends

    @Test("prediction over 15 minutes of 5-minute readings: a steady fall is forecast; noise around a level is not")
    func predictionAtFiveMinutes() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: heading-for-congestion
            kind: prediction
            value: speed_kmh
            over: 15m
            horizon: 10m
            falls_below: 20
            when: last(speed_kmh) >= 25
            match: { kind: traffic }
            department: traffic-police
        """)
        // Falling 5 km/h every 5 minutes from 80; a noisy neighbour around 60.
        var events = Self.series("falling", every: 300, count: 12) { index, _ in 80 - 5 * Double(index) }
        events += Self.series("noisy", every: 300, count: 12, from: 1) { index, _ in 60 + (index % 2 == 0 ? 9 : -9) }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish()
        #expect(alerts.allSatisfy { $0.key == "falling" })
        let raised = try #require(alerts.first)
        // At 40 km/h (8th reading, 35 min) the 10-minute forecast reaches 30; at 35 it is below 25…
        // the forecast first falls below 20 at the reading of 30 km/h (50 min).
        #expect(raised.state == .raised)
        #expect(raised.observedAt == Fixture.base + 3_000_000)
        #expect((raised.value ?? 99) < 20)
        #expect(raised.threshold == 20)
    }
}
