/// Which shard owns which district, for a city run as several `citybrain run` processes.
///
/// Districts go to shards by **consistent hashing with bounded loads** (Mirrokni, Thorup and
/// Zadimoghaddam, 2018): each shard has ``virtualNodes`` points on a 64-bit ring, and a district
/// belongs to the shard of the first point at or after its own hash that is not yet full, a
/// shard holding at most ⌈1.25 · districts / shards⌉ of the listed districts. Plain consistent
/// hashing leaves a city of a dozen districts badly balanced (6, 4 and 2 on three shards); the
/// bound keeps every shard within 25 % of an even share while adding a shard still moves only
/// a few districts. ``pins`` override the ring for single districts (a busy district on a
/// shard of its own). Districts the plan does not list, and events without a district (by
/// their sensor id), go to the first point after their hash, unbounded.
///
/// District-level correlation, storm grouping and open-alert caps are evaluated inside a shard,
/// so they see every alert of a district but not the whole city.
public struct ShardPlan: Sendable, Equatable {
    /// The shards, in the order the plan names them.
    public let shards: [String]
    /// The districts the plan knows of (what ``assignments`` lists and the topic prefixes cover).
    public let districts: [String]
    /// District → shard, overriding the ring.
    public let pins: [String: String]
    /// Points per shard on the ring.
    public let virtualNodes: Int
    private let ring: [RingPoint]
    /// Where each listed district goes (pins included).
    private let assigned: [String: Int]

    private struct RingPoint: Sendable, Equatable {
        var hash: UInt64
        var shard: Int
    }

    /// The points a shard has on the ring when a plan does not say.
    public static let defaultVirtualNodes = 128

    /// - Throws: ``ShardPlanError`` when there is no shard, a name repeats, or a pin names a
    ///   shard the plan does not have.
    public init(shards: [String], districts: [String] = [], pins: [String: String] = [:],
                virtualNodes: Int = ShardPlan.defaultVirtualNodes) throws(ShardPlanError) {
        guard !shards.isEmpty else { throw ShardPlanError("a shard plan needs at least one shard") }
        guard virtualNodes >= 1, virtualNodes <= 4_096 else { throw ShardPlanError("virtual-nodes must be between 1 and 4096, not \(virtualNodes)") }
        var seen: Set<String> = []
        for shard in shards {
            guard !shard.isEmpty, !shard.contains(where: \.isWhitespace) else { throw ShardPlanError("shard name '\(shard)' must be non-empty without spaces") }
            guard seen.insert(shard).inserted else { throw ShardPlanError("shard '\(shard)' is named twice") }
        }
        for (district, shard) in pins.sorted(by: { $0.key < $1.key }) where !seen.contains(shard) {
            throw ShardPlanError("district '\(district)' is pinned to '\(shard)', which is not a shard of the plan (shards: \(shards.joined(separator: ", ")))")
        }
        var known: Set<String> = []
        for district in districts where !known.insert(district).inserted {
            throw ShardPlanError("district '\(district)' is listed twice")
        }
        self.shards = shards
        self.districts = districts
        self.pins = pins
        self.virtualNodes = virtualNodes
        var ring: [RingPoint] = []
        ring.reserveCapacity(shards.count * virtualNodes)
        for (index, shard) in shards.enumerated() {
            for point in 0..<virtualNodes { ring.append(RingPoint(hash: Self.hash("\(shard)#\(point)"), shard: index)) }
        }
        // Ties (astronomically rare) break by shard order, so every process builds the same ring.
        ring.sort { ($0.hash, $0.shard) < ($1.hash, $1.shard) }
        self.ring = ring
        self.assigned = Self.assign(districts, pins: pins, shards: shards, ring: ring)
    }

    /// The most listed districts one shard holds: within 25 % of an even share.
    public static func capacity(districts: Int, shards: Int) -> Int {
        max(1, (districts * 5 + shards * 4 - 1) / (shards * 4))
    }

    /// Pins first; then each district, in the order of its hash (so the listing order does not
    /// matter), to the first shard clockwise from it that has room.
    private static func assign(_ districts: [String], pins: [String: String], shards: [String], ring: [RingPoint]) -> [String: Int] {
        let capacity = capacity(districts: districts.count, shards: shards.count)
        var load = [Int](repeating: 0, count: shards.count)
        var assigned: [String: Int] = [:]
        for district in districts {
            guard let pinned = pins[district], let index = shards.firstIndex(of: pinned) else { continue }
            assigned[district] = index
            load[index] += 1
        }
        let free = districts.filter { assigned[$0] == nil }.map { (hash: hash("district:" + $0), name: $0) }.sorted { ($0.hash, $0.name) < ($1.hash, $1.name) }
        for district in free {
            var position = firstPoint(atOrAfter: district.hash, in: ring)
            // Pins may overfill shards; then the least loaded shard takes what no shard has room for.
            var chosen: Int?
            for _ in 0..<ring.count {
                let shard = ring[position].shard
                if load[shard] < capacity {
                    chosen = shard
                    break
                }
                position = position + 1 == ring.count ? 0 : position + 1
            }
            let shard = chosen ?? load.indices.min { load[$0] < load[$1] } ?? 0
            assigned[district.name] = shard
            load[shard] += 1
        }
        return assigned
    }

    /// The shard that owns `district`.
    public func owner(ofDistrict district: String) -> String {
        if let index = assigned[district] { return shards[index] }
        if let pinned = pins[district] { return pinned }
        return shards[ring[Self.firstPoint(atOrAfter: Self.hash("district:" + district), in: ring)].shard]
    }

    /// The shard that owns the events of a sensor that has no district.
    public func owner(ofSensor sensor: String) -> String {
        shards[ring[Self.firstPoint(atOrAfter: Self.hash("sensor:" + sensor), in: ring)].shard]
    }

    /// The shard that owns an event: its district's, or its sensor's when it has none.
    public func owner(of event: Event) -> String {
        event.district.map(owner(ofDistrict:)) ?? owner(ofSensor: event.sensor)
    }

    /// Each known district with its shard, in the plan's order.
    public var assignments: [(district: String, shard: String)] {
        districts.map { ($0, owner(ofDistrict: $0)) }
    }

    /// The known districts `shard` owns, in the plan's order.
    public func districts(of shard: String) -> [String] {
        districts.filter { owner(ofDistrict: $0) == shard }
    }

    /// The feed topic prefixes a shard subscribes to: `<kind>.<district>.` for each kind and
    /// district it owns, and `<kind>.-.` (events without a district; the shard keeps those its
    /// sensors hash to, see ``ShardFilter``).
    public func topicPrefixes(of shard: String, kinds: [String]) -> [String] {
        let owned = districts(of: shard)
        return kinds.flatMap { kind in owned.map { "\(kind).\($0)." } + ["\(kind).-."] }
    }

    /// The shard a `--shard` value names: a shard's own name, or a StatefulSet pod's host name
    /// `<anything>-<ordinal>` when the plan's shards are `shard-0`, `shard-1`, … (so every pod of
    /// a StatefulSet can be given `--shard $(HOSTNAME)`).
    public func shard(named value: String) -> String? {
        if shards.contains(value) { return value }
        guard let dash = value.lastIndex(of: "-"), let ordinal = Int(value[value.index(after: dash)...]), ordinal >= 0 else { return nil }
        let name = "shard-\(ordinal)"
        return shards.contains(name) ? name : nil
    }

    /// The index of the first point at or after `hash`, wrapping round to the first point.
    private static func firstPoint(atOrAfter hash: UInt64, in ring: [RingPoint]) -> Int {
        var low = 0
        var high = ring.count
        while low < high {
            let middle = (low + high) / 2
            if ring[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        return low == ring.count ? 0 : low
    }

    /// FNV-1a, then SplitMix64's finaliser: names that differ in one character (`shard-1#7`,
    /// `shard-1#8`) land far apart on the ring. Stable across processes and machines.
    static func hash(_ text: String) -> UInt64 {
        var z = StableHash.fnv1a(text)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A shard plan that cannot be used, and why.
public struct ShardPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
