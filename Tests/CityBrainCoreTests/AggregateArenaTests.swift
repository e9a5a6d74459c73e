@testable import CityBrainCore
import Testing

@Suite("Aggregate arena")
struct AggregateArenaTests {
    @Test("a released window's slot is reused empty, optional parts included, and a copy taken before keeps its values")
    func reuse() throws {
        let pipeline = try PipelineLoader.load(yaml: """
            outputs:
              - { name: w, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [count(), p50(speed_kmh), stddev(speed_kmh), max(speed_kmh)] }
            """)
        let aggregation = pipeline.aggregations[0]
        func values(_ arena: AggregateArena, _ base: Int32) -> [Double?] {
            var values: [Double?] = []
            arena.appendValues(at: base, for: aggregation.slots, to: &values)
            return values
        }
        func fill(_ arena: inout AggregateArena, _ base: Int32) {
            for speed in [10.0, 20, 30, 40] { arena.add(Fixture.traffic("s", at: 0, speed: speed), at: base) }
        }
        /// A slot reused after `release` holds nothing of its last window.
        func expectReusedEmpty(_ arena: inout AggregateArena, _ released: Int32) {
            let base = arena.allocate()
            #expect(base == released)  // the free slot, reused
            let empty = values(arena, base)
            #expect(empty[0] == 0 && empty[1] == nil && empty[2] == nil)
            arena.add(Fixture.traffic("s", at: 0, speed: 50), at: base)
            let fresh = values(arena, base)
            // Nothing of the 10-40 readings: their median would be 30, their deviation not nil.
            #expect(fresh[0] == 1 && abs((fresh[1] ?? 0) - 50) < 1 && fresh[2] == nil && fresh[3] == 50)
        }

        // Held alone, the optional parts are cleared and kept for the next window.
        var arena = AggregateArena(layouts: aggregation.inputs)
        let first = arena.allocate()
        fill(&arena, first)
        let filled = values(arena, first)
        #expect(filled[0] == 4 && filled[1] != nil && filled[2] != nil && filled[3] == 40)
        arena.release(first)
        expectReusedEmpty(&arena, first)

        // Shared with a copy (what a checkpoint holds), the copy keeps its values.
        arena.release(first)
        _ = arena.allocate()
        fill(&arena, first)
        let captured = arena
        arena.release(first)
        expectReusedEmpty(&arena, first)
        #expect(values(captured, first) == filled)
    }
}
