import CityBrainCore
import CityBrainIO
import Testing

@Suite("City simulator")
struct CitySimulatorTests {
    static let start: Int64 = 1_732_269_600_000  // a 5-minute boundary

    @Test("the same settings give the same events, however they are drawn")
    func deterministic() {
        var whole = CitySimulator(sensors: 50, seed: 7, start: Self.start, reportInterval: 6_000, jitter: 1_500)
        var pieces = CitySimulator(sensors: 50, seed: 7, start: Self.start, reportInterval: 6_000, jitter: 1_500)
        let all = whole.events(until: Self.start + 600_000)
        var parts: [Event] = []
        for step in stride(from: Self.start + 7_777, through: Self.start + 600_000 + 7_777, by: 7_777) {
            parts += pieces.events(until: min(step, Self.start + 600_000))
        }
        #expect(all == parts)
        #expect(all.count == 50 * 100)
        var otherSeed = CitySimulator(sensors: 50, seed: 8, start: Self.start, reportInterval: 6_000)
        #expect(otherSeed.events(until: Self.start + 60_000) != Array(all.prefix(500)))
    }

    @Test("the city has every kind of sensor in districts, and incidents on real sensors")
    func layout() {
        let simulator = CitySimulator(sensors: 300, seed: 1, start: Self.start, reportInterval: 6_000)
        #expect(simulator.sensors.count == 300)
        #expect(simulator.sensors.filter { $0.kind == .traffic }.count == 180)
        #expect(simulator.sensors.filter { $0.kind == .parking }.count == 45)
        #expect(simulator.sensors.filter { $0.kind == .environment }.count == 75)
        #expect(Set(simulator.sensors.map(\.district)).count == 12)
        let ids = Set(simulator.sensors.map(\.id))
        for cycle in 0..<5 as Range<Int64> {
            let incidents = simulator.incidents(cycle: cycle)
            #expect(incidents.count == 4)
            #expect(incidents.allSatisfy { ids.contains($0.sensor) })
            #expect(incidents[0].sensor != incidents[3].sensor)
        }
    }

    @Test("normal readings stay clear of the default thresholds all day")
    func normalReadings() throws {
        // One reading per sensor every 10 minutes for a whole day, skipping incident sensors.
        var simulator = CitySimulator(sensors: 120, seed: 3, start: Self.start, reportInterval: 600_000)
        for event in simulator.events(until: Self.start + 86_400_000) {
            let incidents = simulator.incidents(inCycleAt: event.timestamp)
            if incidents.contains(where: { $0.sensor == event.sensor && $0.isActive(at: event.timestamp) }) { continue }
            switch event.kind {
            case .traffic:
                #expect(try #require(event.value("speed_kmh")) >= 25)
                #expect(try #require(event.value("occupancy")) <= 0.30)
            case .parking:
                #expect(try #require(event.value("occupied")) / (try #require(event.value("capacity"))) < 0.90)
            case .environment:
                #expect(try #require(event.value("pm25")) <= 60)
            default:
                Issue.record("the simulator made a \(event.kind) event")
            }
        }
    }

    @Test("the default pipeline raises and resolves exactly one alert per incident", arguments: [0, 2_000] as [Int64])
    func expectedAlerts(jitter: Int64) throws {
        var simulator = CitySimulator(sensors: 120, seed: 11, start: Self.start, reportInterval: 6_000, jitter: jitter)
        let events = simulator.events(until: Self.start + CitySimulator.cycleLength)
        let sink = CollectingSink()
        let dispatcher = AlertDispatcher(sinks: [sink], deterministic: true)
        let engine = StreamEngine(pipeline: try BuiltInPipeline.city(), partitions: 2) { dispatcher.handle($0) }
        engine.submit(events)
        engine.finish()
        dispatcher.drain()
        let alerts = sink.alerts
        #expect(alerts.map(ExpectedAlert.init) == ExpectedAlert.forCycle(of: simulator))
        #expect(alerts.map(\.seq) == Array(1...UInt64(alerts.count)))
        #expect(alerts.allSatisfy { $0.emittedAt == nil })
        #expect(engine.statistics.lateEvents == 0)  // jitter stays inside the 5 s bound
    }
}
