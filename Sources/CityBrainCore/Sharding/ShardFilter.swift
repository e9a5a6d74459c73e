/// Decides, event by event, whether one shard of a ``ShardPlan`` keeps an event. Topic prefixes
/// already keep most other shards' events away from a SUB feed; this is the exact rule, for PULL
/// feeds, files and the events without a district (whose owner is their sensor's).
public struct ShardFilter: Sendable {
    public let plan: ShardPlan
    public let shard: String
    private let owned: Set<String>
    private let known: Set<String>

    public init(plan: ShardPlan, shard: String) {
        self.plan = plan
        self.shard = shard
        self.owned = Set(plan.districts(of: shard))
        self.known = Set(plan.districts)
    }

    /// Whether this shard owns `event`.
    public func keeps(_ event: Event) -> Bool { owns(sensor: event.sensor, district: event.district) }

    /// Whether this shard owns a sensor: by its district, or by its id when it has none.
    public func owns(sensor: String, district: String?) -> Bool {
        if let district { return owns(district: district) }
        return plan.owner(ofSensor: sensor) == shard
    }

    /// Whether this shard owns `district` (known districts by a set lookup; others on the ring).
    public func owns(district: String) -> Bool {
        if owned.contains(district) { return true }
        if known.contains(district) { return false }
        return plan.owner(ofDistrict: district) == shard
    }

    /// The events of `events` this shard keeps, and how many it left to other shards.
    public func split(_ events: [Event]) -> (kept: [Event], others: Int) {
        var kept: [Event] = []
        kept.reserveCapacity(events.count)
        for event in events where keeps(event) { kept.append(event) }
        return (kept, events.count - kept.count)
    }
}
