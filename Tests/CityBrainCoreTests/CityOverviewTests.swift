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

    @Test("free spaces per garage from its latest reading; mean speed per district per minute over the last hour")
    func parkingAndSpeed() {
        var overview = CityOverview(minutes: 60)
        overview.observe([
            Event(kind: .parking, sensor: "g1", district: "d01", timestamp: Self.t0, readings: [Reading("occupied", 400), Reading("capacity", 450)]),
            Event(kind: .parking, sensor: "g1", district: "d01", timestamp: Self.t0 + 60_000, readings: [Reading("occupied", 440), Reading("capacity", 450)]),
            Event(kind: .parking, sensor: "g1", district: "d01", timestamp: Self.t0 + 30_000, readings: [Reading("occupied", 10), Reading("capacity", 450)]),  // older: ignored
            Event(kind: .parking, sensor: "g2", district: "d01", timestamp: Self.t0, readings: [Reading("occupied", 500), Reading("capacity", 450)]),
            Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 1_000, readings: [Reading("speed_kmh", 40)]),
            Event(kind: .traffic, sensor: "s2", district: "d02", timestamp: Self.t0 + 2_000, readings: [Reading("speed_kmh", 20)]),
            Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 61_000, readings: [Reading("speed_kmh", 50)]),
        ])
        #expect(overview.parkingByDistrict["d01"]?.map(\.free) == [10, 0])  // over-full shows 0
        #expect(overview.speedByDistrict["d02"]?.map(\.meanSpeed) == [30, 50])
        #expect(overview.eventsByKind == [.parking: 4, .traffic: 3])
        // Two hours later the old minutes have left the chart.
        overview.observe(Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 7_200_000, readings: [Reading("speed_kmh", 33)]))
        #expect(overview.speedByDistrict["d02"]?.map(\.meanSpeed) == [33])
    }
}
