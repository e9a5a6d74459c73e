/// Which keys an engine still owns, for ``StreamEngine/release(keysNotOwnedBy:)``: a shard whose
/// plan changed gives up the sensors and districts another shard now watches.
public struct KeyOwnership: Sendable {
    /// Whether the engine keeps a sensor (with its latest district, if it has one).
    public var ownsSensor: @Sendable (_ sensor: String, _ district: String?) -> Bool
    /// Whether the engine keeps a district (district-keyed rules and outputs).
    public var ownsDistrict: @Sendable (_ district: String) -> Bool
    /// Why the others go, ending the message of the alerts resolved for them, e.g. "it moved to
    /// another shard".
    public var reason: String

    public init(reason: String, ownsSensor: @escaping @Sendable (_ sensor: String, _ district: String?) -> Bool,
                ownsDistrict: @escaping @Sendable (_ district: String) -> Bool) {
        self.reason = reason
        self.ownsSensor = ownsSensor
        self.ownsDistrict = ownsDistrict
    }
}

extension ShardFilter {
    /// This shard's keys under its plan: what ``keeps(_:)`` keeps, by key instead of by event.
    public var ownership: KeyOwnership {
        let filter = self
        return KeyOwnership(reason: "its district is now watched by another shard (shard plan changed)",
                            ownsSensor: { filter.owns(sensor: $0, district: $1) },
                            ownsDistrict: { filter.owns(district: $0) })
    }
}
