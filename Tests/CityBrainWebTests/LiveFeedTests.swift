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
        overview.observe([
            Event(kind: .parking, sensor: "g1", district: "d01", timestamp: DeskFixture.t0, readings: [Reading("occupied", 400), Reading("capacity", 450)]),
            Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: DeskFixture.t0, readings: [Reading("speed_kmh", 42)]),
        ])
        fixture.status.withLock { status in
            status.ingest.accepted = 2
            status.ingest.rejected = [.malformedJSON: 3]
            status.ingest.lost = 4
            status.engine.lateEvents = 5
        }
        fixture.raise("seg-1")
        let sources = OperationsSources(desk: fixture.desk, status: { fixture.status.withLock { $0 } }, overview: overview,
                                        socketsBound: { true }, journalDirectory: nil)
        var rate = RateMeter(events: 2)
        let json = LiveFeed(sources: sources).stats(&rate)
        #expect(json.contains(#""alerts_last_hour":1,"bad_frames":3,"late_events":5,"lost_frames":4"#))
        #expect(json.contains(#""parking":{"d01":[{"sensor":"g1","free":50,"capacity":450}]}"#))
        #expect(json.contains(#""speed":{"d02":[[1732269600000,42]]}"#))
        #expect(LiveFeed(sources: sources).snapshot().contains(#""id":"seg-1","status":"open""#))
    }
}
