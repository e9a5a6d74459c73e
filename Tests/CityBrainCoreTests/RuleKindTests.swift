import CityBrainCore
import Testing

/// Each rule kind fires, and does not fire, on crafted sequences, with the exact alerts expected.
@Suite("Rule kinds and the alert lifecycle")
struct RuleKindTests {
    static func minute(_ n: Double) -> Int64 { Fixture.base + Int64(n * 60_000) }

    static func parking(_ sensor: String, at seconds: Double, occupied: Double, capacity: Double = 100, district: String = "d01") -> Event {
        Event(kind: .parking, sensor: sensor, district: district, timestamp: Fixture.base + Int64(seconds * 1000),
              readings: [Reading("occupied", occupied), Reading("capacity", capacity)])
    }

    static func air(_ sensor: String, at seconds: Double, pm25: Double, district: String = "d01") -> Event {
        Event(kind: .environment, sensor: sensor, district: district, timestamp: Fixture.base + Int64(seconds * 1000),
              readings: [Reading("pm25", pm25)])
    }

    /// Readings every `step` seconds over whole minutes, value from the minute's index.
    static func minutes(_ count: Int, step: Double = 10, _ event: (Double, Int) -> Event) -> [Event] {
        (0..<count).flatMap { minute in stride(from: 0.0, to: 60, by: step).map { event(Double(minute) * 60 + $0, minute) } }
    }

    typealias Summary = (rule: String, state: AlertState, key: String, ts: Int64)

    static func summary(_ alerts: [Alert]) -> [String] {
        alerts.map { "\($0.rule) \($0.state.rawValue) \($0.key) @\(($0.ts - Fixture.base) / 1000)s \($0.severity.rawValue)" }
    }

    @Test("sustained: raised only after three consecutive windows; a break starts over")
    func sustained() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: slow-3
            kind: sustained
            for: 3
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            department: traffic-police
        """)
        // slow, slow, fast, slow, slow, slow, slow, fast
        let slow: Set<Int> = [0, 1, 3, 4, 5, 6]
        harness.feed(Self.minutes(8) { Fixture.traffic("seg-1", at: $0, speed: slow.contains($1) ? 10 : 50) })
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["slow-3 raised seg-1 @360s warning", "slow-3 resolved seg-1 @480s warning"])
        #expect(alerts[0].values.last == .init(name: "consecutive_windows", value: 3))
    }

    /// A windowed rate: speed falling faster than 0.25 km/h per second over a minute.
    static let speedCollapse = """
        rules:
          - { name: speed-collapse, kind: rate, field: speed_kmh, below: -0.25, match: { kind: traffic }, window: { tumbling: 1m }, department: traffic-police }
        """

    @Test("rate of change: a falling speed fires, a steady one does not")
    func rate() throws {
        let harness = try EngineHarness(yaml: Self.speedCollapse)
        var events = Self.minutes(3) { seconds, _ in Fixture.traffic("steady", at: seconds, speed: 50) }
        // Falls 0.5 km/h per second through minute 1.
        events += Self.minutes(3) { seconds, minute in
            Fixture.traffic("falling", at: seconds, speed: minute == 1 ? 60 - 0.5 * (seconds - 60) : 40)
        }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["speed-collapse raised falling @120s warning", "speed-collapse resolved falling @180s warning"])
        #expect(alerts[0].value == -0.5)
        #expect(alerts[0].threshold == -0.25)

        // Two readings of a minute fit a line exactly, however steep: no rate from them.
        let sparse = try EngineHarness(yaml: Self.speedCollapse)
        sparse.feed([Fixture.traffic("thin", at: 5, speed: 60), Fixture.traffic("thin", at: 50, speed: 20)])
        #expect(sparse.finish().isEmpty)

        // Four readings jumping 40 km/h up and down, with a falling fit (-0.53 per second) that
        // noise alone draws: within a standard error of zero, so no rate.
        let noisy = try EngineHarness(yaml: Self.speedCollapse)
        noisy.feed(zip([5, 20, 35, 50] as [Double], [60, 20, 60, 20] as [Double]).map { Fixture.traffic("jumpy", at: $0, speed: $1) })
        #expect(noisy.finish().isEmpty)
    }

    @Test("stuck sensor: identical readings for ten minutes (and six readings) fire at the reading that completes them; a change resolves; varying readings never fire")
    func stuck() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: stuck-speed
            kind: stuck
            field: speed_kmh
            for: 10m
            match: { kind: traffic }
            department: traffic-operations
        """)
        var events: [Event] = []
        for second in stride(from: 0.0, to: 20 * 60, by: 30) {
            events.append(Fixture.traffic("frozen", at: second, speed: second < 14 * 60 ? 42 : 43 + second.truncatingRemainder(dividingBy: 7)))
            events.append(Fixture.traffic("alive", at: second, speed: 40 + second.truncatingRemainder(dividingBy: 11)))
        }
        harness.feed(events)
        let alerts = harness.finish()
        // Unchanged since the reading at 0 s: the 600 s reading completes ten minutes; the 840 s
        // reading is the first change.
        #expect(Self.summary(alerts) == ["stuck-speed raised frozen @600s warning", "stuck-speed resolved frozen @840s warning"])
        #expect(alerts[0].message == "frozen (d01) has reported speed_kmh = 42 without change for 10m")
        #expect(alerts[1].message == "Resolved: frozen (d01) reports changing values again")
        #expect(alerts[0].observedAt == Fixture.base + 600_000)
    }

    @Test("stuck sensor watching several measurements: the message names the ones that are stuck, with their values, not every watched one")
    func stuckNamesItsFields() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: stuck-detector
            kind: stuck
            fields: [speed_kmh, occupancy]
            readings: 6
            for: 10m
            match: { kind: traffic }
            department: traffic-operations
        """)
        var events: [Event] = []
        for second in stride(from: 0.0, to: 16 * 60, by: 60) {
            // Speed frozen at 42 throughout; occupancy moving until minute 8, then frozen at 0.3 too.
            events.append(Fixture.traffic("frozen", at: second, speed: 42, occupancy: second < 8 * 60 ? 0.1 + second / 6_000 : 0.3))
        }
        harness.feed(events)
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["stuck-detector raised frozen @600s warning"])
        #expect(alerts.map(\.message) == ["frozen (d01) has reported speed_kmh = 42 without change for 10m"])
        #expect(alerts[0].values.contains { $0.name == "unchanged(speed_kmh)" && $0.value == 42 })
        #expect(!alerts[0].values.contains { $0.name == "unchanged(occupancy)" })
    }

    @Test("stuck sensor: two equal readings minutes apart are not stuck; six readings over the span are needed")
    func stuckNeedsReadings() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: stuck-speed
            kind: stuck
            field: speed_kmh
            for: 10m
            readings: 6
            match: { kind: traffic }
            department: traffic-operations
        """)
        // Every 5 minutes: 50, 50 (10 minutes apart would be only 3 readings), then 61 … .
        let speeds: [Double] = [50, 50, 50, 61, 61, 61, 61, 61, 61, 70]
        harness.feed(speeds.enumerated().map { Fixture.traffic("slow-feed", at: Double($0.offset) * 300, speed: $0.element) })
        let alerts = harness.finish()
        // 61 from 900 s: the sixth equal reading is at 2 400 s (25 minutes); the change at 2 700 s.
        #expect(Self.summary(alerts) == ["stuck-speed raised slow-feed @2400s warning", "stuck-speed resolved slow-feed @2700s warning"])
    }

    /// A windowed prediction: a garage's occupancy forecast 15 minutes ahead from 5-minute windows.
    static let garageFullSoon = """
        rules:
          - name: garage-full-soon
            kind: prediction
            value: occupied / capacity
            horizon: 15m
            reaches: 1
            match: { kind: parking }
            window: { tumbling: 5m }
            department: parking-management
            message: "{sensor} forecast at {value} of capacity within 15 minutes"
        """

    @Test("prediction: a garage filling towards capacity fires ahead of time; a steady one does not")
    func prediction() throws {
        let harness = try EngineHarness(yaml: Self.garageFullSoon)
        var events: [Event] = []
        for second in stride(from: 0.0, to: 600, by: 30) {
            // Filling one space every 30 s from 70: 80 after 5 minutes, 90 after 10.
            events.append(Self.parking("filling", at: second, occupied: 70 + second / 30))
            events.append(Self.parking("steady", at: second, occupied: 90))
        }
        harness.feed(events)
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["garage-full-soon raised filling @300s warning"])
        // last = 0.79 at 4m30s, slope 1/3000 per second: 0.79 + 900/3000 = 1.09
        #expect(abs((alerts[0].value ?? 0) - 1.09) < 1e-9)
        #expect(alerts[0].message == "filling forecast at 1.09 of capacity within 15 minutes")
    }

    @Test("prediction over a window needs three readings: through two a line always fits")
    func predictionNeedsThreeReadings() throws {
        let yaml = Self.garageFullSoon
        // Two readings 4 minutes apart, the second 20 spaces up: a forecast far past capacity.
        let two = try EngineHarness(yaml: yaml)
        two.feed([Self.parking("sparse", at: 10, occupied: 60), Self.parking("sparse", at: 250, occupied: 80)])
        #expect(two.finish().isEmpty)
        // A third reading on the same line: now it is a trend.
        let three = try EngineHarness(yaml: yaml)
        three.feed([Self.parking("sparse", at: 10, occupied: 60), Self.parking("sparse", at: 130, occupied: 70),
                    Self.parking("sparse", at: 250, occupied: 80)])
        #expect(Self.summary(three.finish()) == ["garage-full-soon raised sparse @300s warning"])
    }

    @Test("prediction over a window needs a slope three standard errors from zero: a zig-zag is not a trend")
    func predictionNeedsASignificantSlope() throws {
        let times: [Double] = [10, 90, 170, 250]
        // Up and down by 20 spaces, and up 2 overall: a least-squares slope of 0.0006 per second
        // (forecast 1.36 of capacity), but within 0.9 standard errors of zero.
        let zigzag = try EngineHarness(yaml: Self.garageFullSoon)
        zigzag.feed(zip(times, [60, 80, 62, 82] as [Double]).map { Self.parking("noisy", at: $0, occupied: $1) })
        #expect(zigzag.finish().isEmpty)
        // Filling steadily with a space of noise: the same forecast, 42 standard errors from zero.
        let filling = try EngineHarness(yaml: Self.garageFullSoon)
        filling.feed(zip(times, [60, 67, 74, 82] as [Double]).map { Self.parking("filling", at: $0, occupied: $1) })
        #expect(Self.summary(filling.finish()) == ["garage-full-soon raised filling @300s warning"])
    }

    @Test("outlier (EWMA): quiet during warm-up, fires far from the station's own baseline, resolves when back")
    func outlierEWMA() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: pm25-unusual
            kind: outlier
            value: mean(pm25)
            z: 4
            warmup: 10
            alpha: 0.2
            direction: above
            match: { kind: environment }
            window: { tumbling: 1m }
            department: environment-bureau
        """)
        // Minute means alternate 18 and 22; 45 in minute 15 (after warm-up) and 10 in minute 17 (below: ignored).
        let means: [Int: Double] = [15: 45, 17: 10]
        harness.feed(Self.minutes(20) { seconds, minute in Self.air("aq-1", at: seconds, pm25: means[minute] ?? (minute % 2 == 0 ? 18 : 22)) })
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["pm25-unusual raised aq-1 @960s warning", "pm25-unusual resolved aq-1 @1020s warning"])
        let zScore = try #require(alerts[0].values.first { $0.name == "z_score" }?.value)
        #expect(zScore > 4)
        #expect(alerts[0].value == 45)
    }

    @Test("outlier (median/MAD): a spike during warm-up does not blind the baseline")
    func outlierMAD() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: pm25-unusual
            kind: outlier
            baseline: mad
            history: 12
            value: mean(pm25)
            z: 5
            warmup: 8
            match: { kind: environment }
            window: { tumbling: 1m }
            department: environment-bureau
        """)
        // Means 18..22 in a cycle; a spike of 300 in minute 2 (warm-up) and 60 in minute 14.
        let means: [Int: Double] = [2: 300, 14: 60]
        harness.feed(Self.minutes(17) { seconds, minute in Self.air("aq-2", at: seconds, pm25: means[minute] ?? 18 + Double(minute % 5)) })
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == ["pm25-unusual raised aq-2 @900s warning", "pm25-unusual resolved aq-2 @960s warning"])
        #expect(alerts[0].values.first { $0.name == "baseline_mean" }?.value == 20.5)  // median of minutes 2-13, spike included
    }

    @Test("silent sensor: raised when the watermark passes its last event plus the timeout, resolved when it speaks")
    func silent() throws {
        let harness = try EngineHarness(yaml: """
        watermark: { max_out_of_orderness: 0s }
        rules:
          - name: sensor-silent
            kind: silent
            after: 5m
            match: { kind: traffic }
            department: traffic-operations
        """)
        var events: [Event] = []
        for second in stride(from: 0.0, to: 20 * 60, by: 30) {
            events.append(Fixture.traffic("chatty", at: second, speed: 50))
            if second <= 120 || second >= 900 { events.append(Fixture.traffic("flaky", at: second, speed: 50)) }
        }
        harness.feed(events)
        let alerts = harness.finish()
        // flaky's last event before the gap is at 120 s: silent from 420 s; it speaks again at 900 s.
        #expect(Self.summary(alerts) == ["sensor-silent raised flaky @420s warning", "sensor-silent resolved flaky @900s warning"])
        #expect(alerts[0].message == "flaky (d01) has sent nothing for 5m")
        #expect(alerts[0].value == 300)
        #expect(alerts[0].threshold == 300)
    }

    @Test("escalation updates an open alert's severity; cooldown holds back a new raise")
    func escalationAndCooldown() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: pm25
            match: { kind: environment }
            window: { tumbling: 1m }
            when: mean(pm25) > 75
            severity: warning
            escalate: { critical: mean(pm25) > 150 }
            cooldown: 3m
            department: environment-bureau
        """)
        // Minute means: 80, 160, 90, 20, 100 (cooldown: no raise), 20, 20, 100 (raise again).
        let means: [Double] = [80, 160, 90, 20, 100, 20, 20, 100, 20]
        harness.feed(Self.minutes(means.count) { Self.air("aq-7", at: $0, pm25: means[$1]) })
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == [
            "pm25 raised aq-7 @60s warning", "pm25 updated aq-7 @120s critical", "pm25 updated aq-7 @180s warning",
            "pm25 resolved aq-7 @240s warning", "pm25 raised aq-7 @480s warning", "pm25 resolved aq-7 @540s warning",
        ])
        #expect(Set(alerts[0..<4].map(\.id)).count == 1)
        #expect(alerts[1].topic == "alert.environment-bureau.critical")
    }

    static let correlationPipeline = """
    rules:
      - { name: congestion, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 20, department: traffic-police }
      - { name: garage-full, match: { kind: parking }, window: { tumbling: 1m }, when: mean(occupied / capacity) >= 0.95, department: parking-management }
      - { name: pm25, match: { kind: environment }, window: { tumbling: 1m }, when: mean(pm25) > 75, department: environment-bureau }
      - name: divert-to-park-and-ride
        kind: correlation
        all_of: [congestion, garage-full]
        department: city-operations
        message: "Divert traffic in {district} to park-and-ride: {sensors}"
      - name: district-air-episode
        kind: correlation
        at_least: 3
        of: pm25
        suppress_members: true
        severity: critical
        department: city-operations
    """

    @Test("correlation: congestion next to a full garage in the same district raises one advisory")
    func allOf() throws {
        let harness = try EngineHarness(yaml: Self.correlationPipeline)
        var events = Self.minutes(4) { seconds, minute in Fixture.traffic("seg-1", at: seconds, speed: minute >= 1 && minute <= 2 ? 10 : 50) }
        events += Self.minutes(4) { seconds, minute in Self.parking("garage-1", at: seconds, occupied: minute >= 2 ? 97 : 50) }
        events += Self.minutes(4) { seconds, _ in Self.parking("garage-9", at: seconds, occupied: 99, district: "d09") }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish()
        let advisories = alerts.filter { $0.rule == "divert-to-park-and-ride" }
        #expect(Self.summary(advisories) == ["divert-to-park-and-ride raised d01 @180s warning", "divert-to-park-and-ride resolved d01 @240s warning"])
        #expect(advisories[0].sensors == ["garage-1", "seg-1"])
        #expect(advisories[0].message == "Divert traffic in d01 to park-and-ride: garage-1, seg-1")
        #expect(advisories[0].topic == "alert.city-operations.warning")
        #expect(alerts.filter { $0.rule == "garage-full" }.count == 2)  // d01 and d09; d09 has no congestion
    }

    @Test("correlation: three stations breaching together give one district alert instead of three")
    func atLeastWithSuppression() throws {
        let harness = try EngineHarness(yaml: Self.correlationPipeline)
        var events: [Event] = []
        for station in 1...4 {
            // Stations 1-3 breach in minutes 1-2; station 4 only in minute 2; all clean from minute 3.
            events += Self.minutes(5) { seconds, minute in
                let breach = (station <= 3 && (1...2).contains(minute)) || (station == 4 && minute == 2)
                return Self.air("aq-\(station)", at: seconds, pm25: breach ? 120 : 20)
            }
        }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish()
        #expect(Self.summary(alerts) == [
            "district-air-episode raised d01 @120s critical",
            "district-air-episode updated d01 @180s critical",
            "district-air-episode resolved d01 @240s critical",
        ])
        #expect(alerts[0].sensors == ["aq-1", "aq-2", "aq-3"])
        #expect(alerts[1].sensors == ["aq-1", "aq-2", "aq-3", "aq-4"])
    }

    @Test("storm: beyond the department's limit, raises are grouped into one alert listing the sensors")
    func storm() throws {
        let harness = try EngineHarness(yaml: """
        departments:
          traffic-police: { storm_limit: 3, storm_window: 5m }
        rules:
          - { name: congestion, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 20, department: traffic-police }
        """)
        var events: [Event] = []
        for segment in 1...10 {
            events += Self.minutes(2) { seconds, minute in Fixture.traffic("seg-\(segment)", at: seconds, speed: minute == 0 ? 10 : 50) }
        }
        events += Self.minutes(8) { seconds, minute in Fixture.traffic("seg-99", at: seconds, speed: minute == 6 ? 10 : 50) }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish()
        let raisedSingly = alerts.filter { $0.rule == "congestion" && $0.state == .raised }
        #expect(raisedSingly.map(\.key) == ["seg-1", "seg-10", "seg-2", "seg-99"])
        let storm = alerts.filter { $0.rule == "storm" }
        #expect(Self.summary(storm) == ["storm raised traffic-police @60s warning", "storm resolved traffic-police @300s warning"])
        #expect(storm[0].sensors == ["seg-3", "seg-4", "seg-5", "seg-6", "seg-7", "seg-8", "seg-9"])
        #expect(storm[0].value == 7)
        // Grouped alerts' resolves are withheld too; the three published ones resolve normally.
        #expect(alerts.filter { $0.rule == "congestion" && $0.state == .resolved }.map(\.key) == ["seg-1", "seg-10", "seg-2", "seg-99"])
    }

    @Test("storm: two departments storming in one instant each get one storm alert, where its last fold falls")
    func stormsOfTwoDepartmentsInOneInstant() throws {
        let harness = try EngineHarness(yaml: """
        departments:
          traffic-police: { storm_limit: 2, storm_window: 5m }
          road-works: { storm_limit: 1, storm_window: 5m }
        rules:
          - { name: congestion, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 20, department: traffic-police }
          - { name: crawling, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 30, department: road-works }
          - { name: stopped, match: { kind: traffic }, window: { tumbling: 1m }, when: mean(speed_kmh) < 15, department: traffic-police }
        """)
        var events: [Event] = []
        for segment in 1...5 {
            events += Self.minutes(2) { seconds, minute in Fixture.traffic("seg-\(segment)", at: seconds, speed: minute == 0 ? 10 : 50) }
        }
        harness.feed(events.sorted { $0.timestamp < $1.timestamp })
        let alerts = harness.finish()
        // Rules come in order within the instant: the police storm's alert moves past the
        // road works' to where its last fold (by `stopped`) falls.
        #expect(Self.summary(alerts) == [
            "congestion raised seg-1 @60s warning",
            "congestion raised seg-2 @60s warning",
            "crawling raised seg-1 @60s warning",
            "storm raised road-works @60s warning",
            "storm raised traffic-police @60s warning",
            "congestion resolved seg-1 @120s warning",
            "congestion resolved seg-2 @120s warning",
            "crawling resolved seg-1 @120s warning",
            "storm resolved road-works @120s warning",
            "storm resolved traffic-police @120s warning",
        ])
        let storms = alerts.filter { $0.rule == "storm" && $0.state == .raised }
        #expect(storms.map(\.sensors) == [["seg-2", "seg-3", "seg-4", "seg-5"], ["seg-1", "seg-2", "seg-3", "seg-4", "seg-5"]])
        #expect(storms.map(\.value) == [4, 8])
    }

    @Test("rule definitions are checked per kind")
    func kindErrors() {
        func diagnostics(_ rule: String) -> [String] {
            do {
                _ = try PipelineLoader.load(yaml: "rules:\n  - " + rule, file: "k.yaml")
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }
        #expect(diagnostics("{ name: x, kind: trheshold, match: { kind: traffic }, department: d }")
                == ["k.yaml:2:22: error: unknown rule kind 'trheshold', did you mean 'threshold'? (kinds: threshold, sustained, rate, stuck, prediction, outlier, anomaly, silent, correlation)"])
        #expect(diagnostics("{ name: x, kind: silent, match: { kind: traffic }, department: d, after: 5m, when: count() > 1 }")
                == ["k.yaml:2:82: error: unknown field 'when' in silent rule (expected one of name, kind, description, match, key_by, severity, escalate, cooldown, department, max_open, message, resolve_message, after, intervals, gaps, at_least, at_most)"])
        #expect(diagnostics("{ name: x, kind: rate, field: speed, below: -1, match: { kind: traffic }, window: { tumbling: 1m }, department: d }")
                == ["k.yaml:2:35: error: unknown field 'speed' for kind traffic (known fields: flow_vph, occupancy, speed_kmh, travel_time_s)"])
        #expect(diagnostics("{ name: x, kind: correlation, all_of: [congestion, nothing], department: d }").first?.contains("names rule 'congestion', which does not exist") == true)
        // Windowed and per reading (`over`) alike.
        for extra in ["window: { tumbling: 10m }", "over: 10m"] {
            #expect(diagnostics("{ name: x, kind: prediction, value: occupied, horizon: 10m, reaches: 100, falls_below: 5, \(extra), match: { kind: parking }, department: d }")
                    == ["k.yaml:2:5: error: rule 'x' needs exactly one of 'reaches: <level>' or 'falls_below: <level>'"])
        }
        #expect(diagnostics("{ name: x, kind: sustained, for: 0, match: { kind: traffic }, window: { tumbling: 1m }, when: count() > 1, department: d }")
                == ["k.yaml:2:38: error: 'for' must be a whole number of at least 1, found '0'"])
    }
}
