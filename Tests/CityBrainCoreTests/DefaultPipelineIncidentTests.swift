import CityBrainCore
import Foundation
import Testing

/// Crafted incidents through the default pipeline (`Pipelines/city.yaml`, as built in), on a
/// city of detectors reporting every 5 minutes like real ones: each incident raises its rule, and
/// the quiet detectors raise nothing.
@Suite("The default pipeline on a 5-minute city")
struct DefaultPipelineIncidentTests {
    static let every = 300.0
    static let hours = 8.0

    /// A detector's reading: `speed` km/h, occupancy and flow that vary a little with the
    /// reading's index.
    static func reading(_ sensor: String, district: String, at seconds: Double, index: Int, speed: Double,
                        occupancy: Double? = nil, flow: Double? = nil) -> Event {
        let wobble = Double((index * 7 + sensor.utf8.count) % 5) - 2
        return Event(kind: .traffic, sensor: sensor, district: district, timestamp: Fixture.base + Int64(seconds * 1000), readings: [
            Reading("speed_kmh", speed),
            Reading("occupancy", occupancy ?? 0.12 + 0.005 * wobble),
            Reading("flow_vph", flow ?? 900 + 20 * wobble),
        ])
    }

    /// Eight hours of a city: `quiet` ordinary detectors in d01, plus whatever `incident` makes of
    /// reading `index` of the crafted detectors.
    static func city(quiet: Int = 20, crafted: [String: (Int, Double) -> Event?]) -> [Event] {
        var events: [Event] = []
        let count = Int(hours * 3600 / every)
        for index in 0..<count {
            let at = Double(index) * every
            for number in 0..<quiet {
                let wobble = Double((index * 3 + number) % 7) - 3
                events.append(reading("quiet-\(number)", district: "d01", at: at + Double(number), index: index, speed: 60 + wobble))
            }
            for name in crafted.keys.sorted() {
                if let event = crafted[name]!(index, at + 30) { events.append(event) }
            }
        }
        return events.sorted { ($0.timestamp, $0.sensor) < ($1.timestamp, $1.sensor) }
    }

    static func run(_ events: [Event]) throws -> [Alert] {
        let harness = EngineHarness(try BuiltInPipeline.city())
        harness.feed(events)
        return harness.finish().filter { $0.state == .raised }
    }

    @Test("ordinary detectors at a 5-minute cadence raise nothing in eight hours")
    func quietCity() throws {
        let alerts = try Self.run(Self.city(crafted: [:]))
        #expect(alerts.isEmpty, "\(alerts.map { "\($0.rule) \($0.key)" })")
    }

    @Test("a speed collapse, a frozen detector, a silent one and a steady slowdown each raise their rule")
    func incidents() throws {
        let crafted: [String: (Int, Double) -> Event?] = [
            // 60 km/h, then 15 km/h from 5:00 (reading 60) for 20 minutes.
            "collapse": { index, at in
                Self.reading("collapse", district: "d02", at: at, index: index, speed: (60..<64).contains(index) ? 15 : 60 + Double(index % 3))
            },
            // From 2:00 (reading 24) every reading identical, vehicles still counted.
            "frozen": { index, at in
                index >= 24 ? Self.reading("frozen", district: "d02", at: at, index: 0, speed: 57, occupancy: 0.1, flow: 840)
                            : Self.reading("frozen", district: "d02", at: at, index: index, speed: 55 + Double(index % 4))
            },
            // Sends nothing after 4:00 (reading 48).
            "mute": { index, at in index < 48 ? Self.reading("mute", district: "d03", at: at, index: index, speed: 58 + Double(index % 2)) : nil },
            // From 6:00 (reading 72) 8 km/h slower every 5 minutes.
            "slowing": { index, at in
                Self.reading("slowing", district: "d04", at: at, index: index, speed: index < 72 ? 70 + Double(index % 2) : max(70 - 8 * Double(index - 71), 5))
            },
        ]
        let alerts = try Self.run(Self.city(crafted: crafted))
        func first(_ rule: String, _ sensor: String) -> Alert? { alerts.first { $0.rule == rule && $0.sensor == sensor } }

        let drop = try #require(first("traffic-speed-drop", "collapse"), "\(alerts.map { "\($0.rule) \($0.key)" })")
        #expect(drop.observedAt == Fixture.base + 60 * 300_000 + 30_000)  // the first slow reading
        #expect(drop.value == 15)

        let stuck = try #require(first("traffic-detector-stuck", "frozen"))
        // Identical from reading 24; the sixth identical reading 30 minutes later is reading 30.
        #expect(stuck.observedAt == Fixture.base + 30 * 300_000 + 30_000)

        let silent = try #require(first("traffic-detector-silent", "mute"))
        #expect(silent.ts - (Fixture.base + 47 * 300_000 + 30_000) >= 15 * 60_000)  // never before its floor

        let forecast = try #require(first("traffic-heading-for-congestion", "slowing"))
        #expect((forecast.observedAt ?? 0) < Fixture.base + 80 * 300_000)  // before it reaches 20 km/h at reading 78

        // Nothing about the quiet detectors.
        #expect(!alerts.contains { ($0.sensor ?? "").hasPrefix("quiet") })
    }

    @Test("two hundred detectors of one district stuck together give one district alert, not two hundred")
    func districtStuck() throws {
        var crafted: [String: (Int, Double) -> Event?] = [:]
        for number in 0..<200 {
            let name = "d07-\(number)"
            crafted[name] = { index, at in
                index >= 24 ? Self.reading(name, district: "d07", at: at, index: 0, speed: 40, flow: 600)
                            : Self.reading(name, district: "d07", at: at, index: index, speed: 55 + Double((index + number) % 4))
            }
        }
        let alerts = try Self.run(Self.city(quiet: 0, crafted: crafted))
        let grouped = alerts.filter { $0.rule == "district-detectors-stuck" }
        #expect(grouped.count == 1)
        #expect(grouped.first?.sensors?.count == 200)
        #expect(alerts.filter { $0.rule == "traffic-detector-stuck" }.count <= 4)
    }
}
