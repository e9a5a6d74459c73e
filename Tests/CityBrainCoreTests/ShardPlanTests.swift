import CityBrainCore
import Testing

@Suite("Shard plans")
struct ShardPlanTests {
    static func districts(_ count: Int) -> [String] {
        (1...count).map { $0 < 10 ? "d0\($0)" : "d\($0)" }
    }

    static func plan(shards: Int, districts: Int, pins: [String: String] = [:]) throws -> ShardPlan {
        try ShardPlan(shards: (0..<shards).map { "shard-\($0)" }, districts: Self.districts(districts), pins: pins)
    }

    @Test("every shard holds at most 25 % more than an even share of the listed districts", arguments: [(3, 12), (4, 12), (5, 37), (8, 200), (16, 1000)])
    func boundedLoads(shards: Int, districts: Int) throws {
        let plan = try Self.plan(shards: shards, districts: districts)
        let capacity = ShardPlan.capacity(districts: districts, shards: shards)
        #expect(capacity == Int((1.25 * Double(districts) / Double(shards)).rounded(.up)))
        let loads = plan.shards.map { plan.districts(of: $0).count }
        #expect(loads.reduce(0, +) == districts)
        #expect(loads.allSatisfy { $0 <= capacity }, "\(loads)")
    }

    @Test("adding a shard moves few districts, all of them to the new shard or to make room for it")
    func addingAShardMovesFew() throws {
        let before = try Self.plan(shards: 8, districts: 400)
        let after = try Self.plan(shards: 9, districts: 400)
        let moved = before.districts.filter { before.owner(ofDistrict: $0) != after.owner(ofDistrict: $0) }
        let toNew = moved.filter { after.owner(ofDistrict: $0) == "shard-8" }
        // An even split moves 400/9 ≈ 44 to the new shard; bounded loads move a few more (51 here).
        #expect(toNew.count == moved.count)
        #expect(moved.count >= 40 && moved.count <= 60, "\(moved.count) of 400 moved")
        // Naive modulo hashing would move about 8/9 of them.
        let modulo = before.districts.filter { StableHash.partition(of: $0, count: 8) != StableHash.partition(of: $0, count: 9) }
        #expect(modulo.count > 300)
    }

    @Test("the plan does not depend on the order districts are listed in, and every process builds the same one")
    func deterministic() throws {
        let plan = try Self.plan(shards: 3, districts: 12)
        let shuffled = try ShardPlan(shards: ["shard-0", "shard-1", "shard-2"], districts: Self.districts(12).reversed())
        for district in plan.districts { #expect(plan.owner(ofDistrict: district) == shuffled.owner(ofDistrict: district)) }
        // Pinned down, so that a change to the hashing (which would move every city's districts) cannot go unnoticed.
        #expect(plan.assignments.map(\.shard) == ["shard-2", "shard-1", "shard-1", "shard-0", "shard-2", "shard-1",
                                                   "shard-0", "shard-1", "shard-2", "shard-0", "shard-0", "shard-0"])
    }

    @Test("a pin keeps a district on its shard; districts not listed and events without a district still have an owner")
    func pinsAndUnlisted() throws {
        let plan = try Self.plan(shards: 3, districts: 12, pins: ["d07": "shard-2"])
        #expect(plan.owner(ofDistrict: "d07") == "shard-2")
        let unlisted = plan.owner(ofDistrict: "d99")
        #expect(plan.shards.contains(unlisted))
        let filters = plan.shards.map { ShardFilter(plan: plan, shard: $0) }
        let events = [
            Event(kind: .traffic, sensor: "seg-1", district: "d07", timestamp: 0, readings: []),
            Event(kind: .traffic, sensor: "seg-2", district: "d99", timestamp: 0, readings: []),
            Event(kind: .parking, sensor: "garage-9", district: nil, timestamp: 0, readings: []),
        ]
        // Exactly one shard keeps each event, and it is the owner the plan names.
        for event in events {
            let keepers = filters.filter { $0.keeps(event) }.map(\.shard)
            #expect(keepers == [plan.owner(of: event)])
        }
        let (kept, others) = filters[2].split(events)
        #expect(kept.first?.sensor == "seg-1")
        #expect(kept.count + others == 3)
    }

    @Test("topic prefixes: each owned district per kind, and the district-less topic")
    func topicPrefixes() throws {
        let plan = try Self.plan(shards: 2, districts: 4)
        let owned = plan.districts(of: "shard-0")
        let prefixes = plan.topicPrefixes(of: "shard-0", kinds: ["traffic", "parking"])
        #expect(prefixes == owned.map { "traffic.\($0)." } + ["traffic.-."] + owned.map { "parking.\($0)." } + ["parking.-."])
    }

    @Test("a StatefulSet pod name selects shard-<ordinal>")
    func podNames() throws {
        let plan = try Self.plan(shards: 3, districts: 3)
        #expect(plan.shard(named: "shard-1") == "shard-1")
        #expect(plan.shard(named: "citybrain-shard-2") == "shard-2")
        #expect(plan.shard(named: "citybrain-shard-3") == nil)
        #expect(plan.shard(named: "north") == nil)
    }

    @Test("plans that cannot work are refused with the reason")
    func refused() {
        #expect(throws: ShardPlanError("a shard plan needs at least one shard")) { try ShardPlan(shards: []) }
        #expect(throws: ShardPlanError("shard 'a' is named twice")) { try ShardPlan(shards: ["a", "a"]) }
        #expect(throws: ShardPlanError("district 'd01' is pinned to 'c', which is not a shard of the plan (shards: a, b)")) {
            try ShardPlan(shards: ["a", "b"], districts: ["d01"], pins: ["d01": "c"])
        }
        #expect(throws: ShardPlanError("district 'd01' is listed twice")) { try ShardPlan(shards: ["a"], districts: ["d01", "d01"]) }
    }

    @Test("the plan file: a count or names, districts, pins; errors name the line")
    func loader() throws {
        let plan = try ShardPlanLoader.load(text: "shards: 2\ndistricts: [north, south]\npins: { north: shard-1 }\n", name: "shards.yaml")
        #expect(plan.shards == ["shard-0", "shard-1"])
        #expect(plan.owner(ofDistrict: "north") == "shard-1")
        let named = try ShardPlanLoader.load(text: "shards: [east, west]\nvirtual-nodes: 16\n", name: "p.yaml")
        #expect(named.shards == ["east", "west"])
        #expect(named.virtualNodes == 16)
        func problem(_ text: String) -> String? {
            (#expect(throws: PipelineErrors.self) { try ShardPlanLoader.load(text: text, name: "p.yaml") })?.description
        }
        #expect(problem("shards: 2\ndistrict: [a]\n")
            == "p.yaml:2:1: error: unknown field 'district' in the shard plan, did you mean 'districts'? (fields: shards, districts, pins, virtual-nodes)")
        #expect(problem("shards: {a: 1}\n") == "p.yaml:1:9: error: 'shards' must be a number of shards or a list of shard names")
        #expect(problem("shards: 2\ndistricts: [d1]\npins: {d1: shard-7}\n")
            == "p.yaml:1:9: error: district 'd1' is pinned to 'shard-7', which is not a shard of the plan (shards: shard-0, shard-1)")
        #expect(problem("districts: [d1]\n") == "p.yaml:1:1: error: missing field 'shards'")
    }
}
