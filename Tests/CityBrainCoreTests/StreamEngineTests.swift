import CityBrainCore
import Synchronization
import Testing

@Suite("Stream engine: tumbling windows, watermarks, alert lifecycle")
struct StreamEngineTests {
    static let statsRule = """
    rules:
      - name: fast
        match: { kind: traffic }
        window: { tumbling: 1m }
        when: mean(speed_kmh) > 50 and min(speed_kmh) > 0 and max(speed_kmh) > 0 and sum(speed_kmh) > 0 and count() > 0
        department: traffic-police
        message: "{sensor} mean {mean(speed_kmh)}"
    """

    @Test("window aggregates are exact, with out-of-order events inside the bound")
    func exactAggregates() throws {
        let harness = try EngineHarness(yaml: Self.statsRule)
        harness.feed([
            Fixture.traffic("s1", at: 10, speed: 70),
            Fixture.traffic("s1", at: 61, speed: 10),   // next window; watermark now 56 s
            Fixture.traffic("s1", at: 59, speed: 80),   // out of order, inside the 5 s bound: counts
            Fixture.traffic("s1", at: 0, speed: 60),    // also still inside
            Fixture.traffic("s1", at: 100, speed: 20),
        ])
        let alerts = harness.finish()
        #expect(alerts.map(\.state) == [.raised, .resolved])
        let raised = alerts[0]
        #expect(raised.windowStart == Fixture.minute(0))
        #expect(raised.windowEnd == Fixture.minute(1))
        #expect(raised.ts == Fixture.minute(1))
        #expect(raised.values == [
            .init(name: "mean(speed_kmh)", value: 70), .init(name: "min(speed_kmh)", value: 60),
            .init(name: "max(speed_kmh)", value: 80), .init(name: "sum(speed_kmh)", value: 210), .init(name: "count()", value: 3),
        ])
        #expect(raised.value == 70)
        #expect(raised.threshold == 50)
        #expect(raised.message == "s1 mean 70")
        #expect(raised.id == "fast:s1:\(Fixture.minute(1))")
        let resolved = alerts[1]
        #expect(resolved.id == raised.id)
        #expect(resolved.windowStart == Fixture.minute(1))
        #expect(resolved.values.first == .init(name: "mean(speed_kmh)", value: 15))
        #expect(resolved.message == "Resolved: s1 mean 15")
        #expect(harness.engine.statistics.lateEvents == 0)
    }

    @Test("an event beyond the bound is late: counted and left out of its closed window")
    func lateEvent() throws {
        let harness = try EngineHarness(yaml: Self.statsRule)
        harness.feed([
            Fixture.traffic("s1", at: 10, speed: 70),
            Fixture.traffic("s1", at: 65, speed: 70),   // watermark 60 s: window [0, 60) closes
            Fixture.traffic("s1", at: 30, speed: 1000), // late: its window already closed
        ])
        let alerts = harness.finish()
        #expect(harness.engine.statistics.lateEvents == 1)
        #expect(harness.engine.statistics.events == 3)
        #expect(alerts.first?.values.first == .init(name: "mean(speed_kmh)", value: 70))
        #expect(alerts.first?.values.last == .init(name: "count()", value: 1))
    }

    @Test("a window closes only when the watermark reaches its end")
    func watermarkClosesWindows() throws {
        let harness = try EngineHarness(yaml: Self.statsRule)
        harness.feed([Fixture.traffic("s1", at: 10, speed: 70), Fixture.traffic("s2", at: 64.999, speed: 70)])
        #expect(harness.alerts.isEmpty)  // watermark 59.999 s < 60 s
        #expect(harness.engine.statistics.watermark == Fixture.base + 59_999)
        #expect(harness.engine.statistics.openWindows == 2)
        #expect(harness.engine.longestCloseNanoseconds == 0)  // nothing closed yet: no close burst
        harness.feed([Fixture.traffic("s2", at: 65, speed: 70)])  // watermark 60 s: [0, 60) closes
        #expect(harness.alerts.map(\.key) == ["s1"])
        #expect(harness.engine.statistics.openWindows == 1)
        #expect(harness.engine.longestCloseNanoseconds > 0)  // the close was timed
    }

    @Test("an alert is raised once while its condition holds and resolved once when it clears, with hysteresis")
    func lifecycle() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: jam
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            clear_when: mean(speed_kmh) >= 30
            severity: critical
            department: traffic-police
        """)
        // Minute means: 10, 12, 25 (between the levels: stays open), 35 (clears), 15 (raises again).
        let speeds: [Double] = [10, 12, 25, 35, 15]
        var events: [Event] = []
        for (minute, speed) in speeds.enumerated() {
            events.append(Fixture.traffic("seg-9", at: Double(minute * 60 + 30), speed: speed))
        }
        harness.feed(events)
        let alerts = harness.finish()
        #expect(alerts.map(\.state) == [.raised, .resolved, .raised])
        #expect(alerts.map(\.ts) == [Fixture.minute(1), Fixture.minute(4), Fixture.minute(5)])
        #expect(alerts[0].id == alerts[1].id)
        #expect(alerts[2].id != alerts[0].id)
        #expect(alerts.allSatisfy { $0.severity == .critical && $0.topic == "alert.traffic-police.critical" })
        #expect(harness.engine.statistics.openAlerts == 1)
    }

    @Test("rules only see their kind, district and sensor prefix")
    func filters() throws {
        let harness = try EngineHarness(yaml: """
        rules:
          - name: d2-only
            match: { kind: traffic, district: [d02], sensor_prefix: seg- }
            window: { tumbling: 1m }
            when: count() > 0
            department: traffic-police
        """)
        harness.feed([
            Fixture.traffic("seg-1", at: 1, speed: 50, district: "d01"),
            Fixture.traffic("seg-2", at: 1, speed: 50, district: "d02"),
            Fixture.traffic("cam-3", at: 1, speed: 50, district: "d02"),
            Event(kind: .parking, sensor: "seg-4", district: "d02", timestamp: Fixture.base + 1_000, readings: []),
        ])
        #expect(harness.finish().map(\.key) == ["seg-2"])
    }

    @Test("output is the same whatever the partition count and batch size")
    func determinism() throws {
        let pipeline = try BuiltInPipeline.city()
        var events: [Event] = []
        for minute in 0..<12 {
            for sensor in 0..<40 {
                let jam = sensor % 7 == 0 && (3...6).contains(minute)
                for second in stride(from: 0, to: 60, by: 15) {
                    // Out of order by up to 4 s, deterministically.
                    let skew = Double((sensor * 7 + second) % 9) - 4
                    events.append(Fixture.traffic("seg-\(sensor)", at: Double(minute * 60 + second) + skew + 4,
                                                  speed: jam ? 12 : 55, occupancy: jam ? 0.5 : 0.1, district: "d0\(sensor % 5)"))
                }
            }
        }
        func run(partitions: Int, batchSize: Int) -> [Alert] {
            let harness = EngineHarness(pipeline, partitions: partitions)
            harness.feed(events, batchSize: batchSize)
            return harness.finish()
        }
        let reference = run(partitions: 1, batchSize: events.count)
        let congestion = reference.filter { $0.rule == "traffic-congestion" }
        #expect(congestion.count == 12)  // 6 jammed segments, raised and resolved
        #expect(congestion.filter { $0.state == .raised }.allSatisfy { $0.ts == Fixture.minute(4) })
        #expect(congestion.filter { $0.state == .resolved }.allSatisfy { $0.ts == Fixture.minute(8) })
        #expect(run(partitions: 4, batchSize: 1) == reference)
        #expect(run(partitions: 3, batchSize: 97) == reference)
        #expect(run(partitions: 2, batchSize: 1_000) == reference)
    }

    @Test("finishing a bounded input closes and evaluates every open window")
    func finishClosesEverything() throws {
        let harness = try EngineHarness(yaml: Self.statsRule)
        harness.feed([Fixture.traffic("s1", at: 10, speed: 70)])
        #expect(harness.alerts.isEmpty)
        #expect(harness.finish().map(\.state) == [.raised])
        #expect(harness.engine.statistics.openWindows == 0)
        harness.engine.submit([Fixture.traffic("s1", at: 500, speed: 70)])  // ignored after finish
        harness.engine.drain()
        #expect(harness.engine.statistics.events == 1)
    }
}

@Suite("Alerts on the wire")
struct AlertWireTests {
    @Test("alert JSON has the documented fields in a fixed order and parses back")
    func json() throws {
        var alert = Alert(
            seq: 7, id: "jam:seg-1:1732269660000", rule: "jam", state: .raised, severity: .warning, department: "traffic-police",
            key: "seg-1", sensor: "seg-1", district: "d07", kind: .traffic, windowStart: 1_732_269_600_000, windowEnd: 1_732_269_660_000,
            value: 12.5, threshold: 20, values: [.init(name: "mean(speed_kmh)", value: 12.5)], message: "Jam \"now\"", ts: 1_732_269_660_000
        )
        #expect(alert.json == #"{"seq":7,"id":"jam:seg-1:1732269660000","rule":"jam","state":"raised","severity":"warning","department":"traffic-police","key":"seg-1","sensor":"seg-1","district":"d07","kind":"traffic","window_start":1732269600000,"window_end":1732269660000,"value":12.5,"threshold":20,"values":{"mean(speed_kmh)":12.5},"message":"Jam \"now\"","ts":1732269660000}"#)
        #expect(try Alert(json: Array(alert.json.utf8)) == alert)
        alert.emittedAt = 1_800_000_000_000
        alert.value = nil
        #expect(alert.json.hasSuffix(#","ts":1732269660000,"emitted_at":1800000000000}"#))
        #expect(alert.json.contains(#""value":null"#))
        #expect(try Alert(json: Array(alert.json.utf8)) == alert)
    }

    @Test("the sequencer numbers alerts without gaps")
    func sequencer() {
        var sequencer = AlertSequencer()
        let template = Alert(id: "a", rule: "r", state: .raised, severity: .info, department: "d", key: "k", sensor: nil, district: nil,
                             kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [], message: "", ts: 1)
        var first = [template, template]
        var second = [template]
        var third = template
        sequencer.stamp(&first)
        sequencer.stamp(&second)
        sequencer.stamp(&third)
        #expect(first.map(\.seq) + second.map(\.seq) + [third.seq] == [1, 2, 3, 4])
    }

    @Test("event times format as UTC ISO 8601")
    func eventTime() {
        #expect(EventTime.iso8601(1_732_270_000_123) == "2024-11-22T10:06:40.123Z")
        #expect(EventTime.iso8601(0) == "1970-01-01T00:00:00.000Z")
        #expect(EventTime.iso8601(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(EventTime.timeOfDay(1_732_270_000_123) == "10:06:40")
    }

    @Test("partition routing is stable across runs")
    func stableHash() {
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a("foobar") == 0x8594_4171_f739_67e8)
        // A long id (not a small string) with a two-byte character: hashed over its UTF-8 bytes.
        #expect(StableHash.fnv1a("urn:ngsi-ld:TrafficFlowObserved:Aarhus-é-158355") == 0x1ae0_fad1_7c8b_82c4)
        #expect(StableHash.partition(of: "seg-00421", count: 4) == StableHash.partition(of: "seg-00421", count: 4))
    }
}

@Suite("Stream engine: trigger positions")
struct TriggerPositionTests {
    @Test("each record carries the input position of the event that caused it, across batches")
    func triggers() throws {
        let pipeline = try PipelineLoader.load(yaml: StreamEngineTests.statsRule)
        let outputs = Mutex<[EngineOutput]>([])
        let engine = StreamEngine(pipeline: pipeline, partitions: 2) { output in outputs.withLock { $0.append(output) } }
        // Positions 0–2 in the first batch, 3–4 in the second.
        engine.submit([Fixture.traffic("s1", at: 10, speed: 70), Fixture.traffic("s2", at: 20, speed: 70), Fixture.traffic("s1", at: 30, speed: 70)])
        // 66 s puts the watermark at 61 s: the first minute closes at position 4, not 3.
        engine.submit([Fixture.traffic("s1", at: 64, speed: 10), Fixture.traffic("s2", at: 66, speed: 10)])
        engine.finish()
        let all = outputs.withLock { $0 }
        #expect(all.allSatisfy { $0.batch.isTimed })
        let raised = all.flatMap { output in output.batch.timedRecords.compactMap { record, trigger in record.alert.map { ($0, trigger!) } } }
        #expect(raised.map { "\($0.0.key) \($0.0.state) @\($0.1)" } == ["s1 raised @4", "s2 raised @4", "s1 resolved @5", "s2 resolved @5"])
    }
}
