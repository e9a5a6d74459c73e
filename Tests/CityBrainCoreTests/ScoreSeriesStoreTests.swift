import CityBrainCore
import Testing

/// The operations page's series of scored readings: a ring per (rule, sensor), and a bounded
/// number of series that keeps the most recently scored.
@Suite("Score series store")
struct ScoreSeriesStoreTests {
    static func score(_ rule: String, _ sensor: String, _ ts: Int64, _ value: Double) -> ReadingScore {
        ReadingScore(rule: rule, sensor: sensor, district: nil, ts: ts, value: value, expected: 10, spread: 1, zScore: value - 10,
                     score: 0.1, open: false)
    }

    @Test("each series keeps its last readings, oldest first, apart by rule and sensor")
    func ringPerSeries() {
        var store = ScoreSeriesStore(pointsPerSeries: 4, maxSeries: 10)
        for ts in 1...6 { store.record(Self.score("speed", "seg-1", Int64(ts), Double(ts))) }
        store.record(Self.score("occupancy", "seg-1", 9, 0.4))
        store.record(Self.score("speed", "seg-2", 7, 30))
        #expect(store.points(rule: "speed", sensor: "seg-1").map(\.ts) == [3, 4, 5, 6])
        #expect(store.points(rule: "speed", sensor: "seg-1").map(\.value) == [3, 4, 5, 6])
        #expect(store.points(rule: "occupancy", sensor: "seg-1").map(\.value) == [0.4])
        #expect(store.points(rule: "speed", sensor: "seg-2").map(\.ts) == [7])
        #expect(store.points(rule: "speed", sensor: "seg-3").isEmpty)
        #expect(store.count == 3)
    }

    @Test("past the most series, the least recently scored are dropped and the active ones kept")
    func boundedSeries() {
        var store = ScoreSeriesStore(pointsPerSeries: 2, maxSeries: 16)
        for index in 0..<16 { store.record(Self.score("speed", "seg-\(index)", 1, 1)) }
        store.record(Self.score("speed", "seg-0", 2, 2))  // seg-0 is active again
        store.record(Self.score("speed", "seg-16", 3, 3))  // a 17th series: the two oldest go (16 / 8)
        #expect(store.count == 15)
        #expect(store.points(rule: "speed", sensor: "seg-1").isEmpty)
        #expect(store.points(rule: "speed", sensor: "seg-2").isEmpty)
        #expect(store.points(rule: "speed", sensor: "seg-0").map(\.ts) == [1, 2])
        #expect(store.points(rule: "speed", sensor: "seg-3").map(\.ts) == [1])
        #expect(store.points(rule: "speed", sensor: "seg-16").map(\.ts) == [3])
        for index in 17..<1_000 { store.record(Self.score("speed", "seg-\(index)", 4, 4)) }
        #expect(store.count <= 16)
    }
}
