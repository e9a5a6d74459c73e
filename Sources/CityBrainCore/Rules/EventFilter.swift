/// Which events a rule consumes: a feed kind, optionally narrowed to districts or a sensor-id
/// prefix.
public struct EventFilter: Sendable, Hashable {
    public var kind: EventKind
    /// When set, only events from these districts.
    public var districts: Set<String>?
    /// When set, only sensors whose id starts with this.
    public var sensorPrefix: String?

    public init(kind: EventKind, districts: Set<String>? = nil, sensorPrefix: String? = nil) {
        self.kind = kind
        self.districts = districts
        self.sensorPrefix = sensorPrefix
    }

    @inlinable
    public func matches(_ event: Event) -> Bool {
        guard event.kind == kind else { return false }
        if let districts, !districts.contains(event.district ?? "") { return false }
        if let sensorPrefix, !event.sensor.hasPrefix(sensorPrefix) { return false }
        return true
    }
}
