import CityBrainCore
import Testing

@Suite("City overview for the operations page")
struct CityOverviewTests {
    static let t0: Int64 = 1_732_269_600_000

    @Test("an empty overview has nothing to show")
    func empty() {
        let overview = CityOverview()
        #expect(overview.parkingByDistrict.isEmpty)
        #expect(overview.speedByDistrict.isEmpty)
    }

    /// The engine with the page's outputs, run over `events` to the end: the window results.
    static func windowResults(_ events: [Event]) throws -> [WindowResult] {
        let pipeline = try PipelineLoader.load([PageOverviewOutputs.source])
        let harness = EngineHarness(pipeline)
        harness.feed(events)
        return harness.finishRecords().compactMap { record in
            if case .window(let result) = record { return result }
            return nil
        }
    }

    @Test("free spaces per garage from its latest reading; mean speed per district per minute, from the engine's window results")
    func parkingAndSpeed() throws {
        var overview = CityOverview(minutes: 60)
        overview.observe(try Self.windowResults([
            Event(kind: .parking, sensor: "g1", district: "d01", timestamp: Self.t0, readings: [Reading("occupied", 400), Reading("capacity", 450)]),
            Event(kind: .parking, sensor: "g1", district: "d01", timestamp: Self.t0 + 60_000, readings: [Reading("occupied", 440), Reading("capacity", 450)]),
            Event(kind: .parking, sensor: "g2", district: "d01", timestamp: Self.t0, readings: [Reading("occupied", 500), Reading("capacity", 450)]),
            Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 1_000, readings: [Reading("speed_kmh", 40)]),
            Event(kind: .traffic, sensor: "s2", district: "d02", timestamp: Self.t0 + 2_000, readings: [Reading("speed_kmh", 20)]),
            Event(kind: .traffic, sensor: "s2", district: "d02", timestamp: Self.t0 + 3_000, readings: [Reading("speed_kmh", 30)]),
            Event(kind: .traffic, sensor: "s3", district: "d02", timestamp: Self.t0 + 4_000, readings: [Reading("occupancy", 0.2)]),  // no speed
            Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 61_000, readings: [Reading("speed_kmh", 50)]),
        ]))
        #expect(overview.parkingByDistrict["d01"]?.map(\.free) == [10, 0])  // g1's latest minute; over-full shows 0
        // The mean over the district's readings, not the mean of the sensors' means: (40 + 20 + 30) / 3.
        #expect(overview.speedByDistrict["d02"]?.map(\.meanSpeed) == [30, 50])
        #expect(overview.speedByDistrict["d02"]?.map(\.readings) == [3, 1])
        // Two hours later the old minutes have left the chart.
        overview.observe(try Self.windowResults([
            Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 7_200_000, readings: [Reading("speed_kmh", 33)]),
        ]))
        #expect(overview.speedByDistrict["d02"]?.map(\.meanSpeed) == [33])
    }

    @Test("only a sensor's final result for a minute counts: earlier updates of it are not added to the district's mean")
    func lateUpdateReplaces() {
        var overview = CityOverview()
        func result(_ sum: Double, _ count: Double, final: Bool) -> WindowResult {
            WindowResult(output: PageOverviewOutputs.traffic, keyField: .sensor, key: "s1", district: "d02", windowStart: Self.t0,
                         windowEnd: Self.t0 + 60_000, count: Int(count),
                         values: [Alert.NamedValue(name: "sum(speed_kmh)", value: sum), Alert.NamedValue(name: "count(speed_kmh)", value: count)], final: final)
        }
        overview.observe(result(80, 2, final: false))
        overview.observe(result(110, 3, final: true))
        #expect(overview.speedByDistrict["d02"]?.map(\.meanSpeed) == [110.0 / 3])
    }
}
