@testable import CityBrainCore
import Testing

@Suite("Aggregate arena")
struct AggregateArenaTests {
    @Test("the rare parts (moments, sketch, distinct) are made only for inputs that need them, and on first use in a slot that had none")
    func rareParts() throws {
        let pipeline = try PipelineLoader.load(yaml: """
            outputs:
              - { name: trend, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [last(speed_kmh), slope(speed_kmh)] }
              - { name: spread, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [stddev(speed_kmh), p50(speed_kmh), last(speed_kmh)] }
            """)
        let trendLayout = try #require(pipeline.aggregations[0].inputs.last)
        let spreadLayout = try #require(pipeline.aggregations[1].inputs.last)
        var state = AggregateState(trendLayout)
        let bare = state.byteCount
        for (second, speed) in [(0.0, 10.0), (10, 20), (20, 30)] { state.add(Fixture.traffic("s", at: second, speed: speed), layout: trendLayout) }
        #expect(state.byteCount == bare, "a trend and first/last need none of the rare parts")
        #expect(state.value(of: .last) == 30)
        #expect(abs((state.value(of: .slope) ?? 0) - 1) < 1e-9)
        // The slot reused for a layout that needs them: its parts are kept, and the rest made on first use.
        state.clear()
        state.reset(for: spreadLayout)
        for speed in [10.0, 20, 30] { state.add(Fixture.traffic("s", at: 0, speed: speed), layout: spreadLayout) }
        #expect(state.byteCount > bare)
        #expect(state.value(of: .stddev) == 10)
        #expect(abs((state.value(of: .p50) ?? 0) - 20) < 0.5)
        #expect(AggregateState(spreadLayout).byteCount > bare)
    }

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

    @Test("a grouped arena keeps each group's windows in chunks of their own, reuses them within the group, and is grouped again from its live windows after a restore")
    func grouped() throws {
        let pipeline = try PipelineLoader.load(yaml: """
            outputs:
              - { name: w, match: { kind: traffic }, window: { tumbling: 1m }, aggregates: [count(), mean(speed_kmh)] }
            """)
        let aggregation = pipeline.aggregations[0]
        let width = Int32(max(aggregation.inputs.count, 1))
        let chunk = Int32(AggregateArena.slotsPerChunk) * width
        var arena = AggregateArena(layouts: aggregation.inputs, grouped: true)
        // Windows of groups 3 and 7, arriving interleaved, as keys of two slices do.
        var bases: [UInt8: [Int32]] = [3: [], 7: []]
        for index in 0..<80 {
            let group: UInt8 = index % 2 == 0 ? 3 : 7
            let base = arena.allocate(group: group)
            arena.add(Fixture.traffic("s", at: 0, speed: Double(index)), at: base)
            bases[group]!.append(base)
        }
        // 40 windows each: two chunks per group, each chunk holding one group's windows only.
        let chunksOf = bases.mapValues { Set($0.map { $0 / chunk }) }
        #expect(chunksOf[3]!.count == 2 && chunksOf[7]!.count == 2 && chunksOf[3]!.isDisjoint(with: chunksOf[7]!))
        #expect(bases[3]! == bases[3]!.sorted())  // taken in ascending order within a chunk
        // A released window is reused by its own group, not by another.
        let released = bases[7]![5]
        arena.release(released)
        #expect(arena.allocate(group: 3) != released)
        #expect(arena.allocate(group: 7) == released)

        // Through a checkpoint: restored plain, then grouped again from the live windows.
        var writer = CheckpointWriter()
        arena.write(to: &writer)
        var reader = CheckpointReader(writer.bytes)
        var restored = AggregateArena(layouts: aggregation.inputs, grouped: true)
        try restored.restore(from: &reader)
        #expect(!restored.grouped)
        restored.regroup(live: bases[3]!.map { ($0, 3) } + bases[7]!.map { ($0, 7) })
        #expect(restored.grouped)
        var values: [Double?] = []
        restored.appendValues(at: bases[7]![0], for: aggregation.slots, to: &values)
        #expect(values == [1, 1])  // the second window (index 1) held one reading of speed 1
        // The chunks' free windows went back to their groups: a group 7 window fills a group 7 chunk.
        let next = restored.allocate(group: 7)
        #expect(chunksOf[7]!.contains(next / chunk))
        // A group with no chunk yet gets a new one.
        #expect(!chunksOf[3]!.union(chunksOf[7]!).contains(restored.allocate(group: 12) / chunk))
    }
}
