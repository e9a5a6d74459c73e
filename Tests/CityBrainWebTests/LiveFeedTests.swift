import CityBrainCore
import CityBrainIO
@testable import CityBrainWeb
import Synchronization
import Testing

@Suite("Live feed of the operations page")
struct LiveFeedTests {
    @Test("the stats message carries counters, on-time rates, free spaces per garage and speed per district")
    func stats() throws {
        let fixture = DeskFixture()
        let overview = OverviewTracker()
        // What the engine hands the dispatcher's sinks for the page's outputs.
        overview.deliver([
            .window(WindowResult(output: PageOverviewOutputs.parking, keyField: .sensor, key: "g1", district: "d01", windowStart: DeskFixture.t0,
                                 windowEnd: DeskFixture.t0 + 60_000, count: 1,
                                 values: [.init(name: "last(occupied)", value: 400), .init(name: "last(capacity)", value: 450)], final: true)),
            .window(WindowResult(output: PageOverviewOutputs.traffic, keyField: .sensor, key: "s1", district: "d02", windowStart: DeskFixture.t0,
                                 windowEnd: DeskFixture.t0 + 60_000, count: 1,
                                 values: [.init(name: "sum(speed_kmh)", value: 42), .init(name: "count(speed_kmh)", value: 1)], final: true)),
        ])
        fixture.status.withLock { status in
            status.ingest.accepted = 2
            status.ingest.rejected = [.malformedJSON: 3]
            status.ingest.lost = 4
            status.engine.lateEvents = 5
            status.ingest.shed = [.sensorWaiting: 6, .backlogFull: 1]
            status.overloadedSince = DeskFixture.t0 - 30_000
            status.mostShed = [ShedSensor(sensor: "seg-9", readings: 5), ShedSensor(sensor: "seg-2", readings: 2)]
        }
        fixture.raise("seg-1")
        let sources = OperationsSources(desk: fixture.desk, status: { fixture.status.withLock { $0 } }, overview: overview,
                                        socketsBound: { true }, journalDirectory: nil)
        var rate = LiveRates(fixture.status.withLock { $0 })
        let json = LiveFeed(sources: sources).stats(&rate)
        #expect(json.contains(#""alerts_last_hour":1,"bad_frames":3,"late_events":5,"lost_frames":4,"shed_readings":7,"#))
        #expect(json.contains(#""overloaded_since":1732269570000,"most_shed":[{"sensor":"seg-9","readings":5},{"sensor":"seg-2","readings":2}]"#))
        #expect(json.contains(#""parking":{"d01":[{"sensor":"g1","free":50,"capacity":450}]}"#))
        #expect(json.contains(#""speed":{"d02":[[1732269600000,42]]}"#))
        #expect(LiveFeed(sources: sources).snapshot().contains(#""id":"seg-1","status":"open""#))
    }
}
