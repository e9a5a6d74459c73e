import CityBrainCore

/// One sensor of the simulated city, with the fixed traits its readings derive from.
public struct SimulatedSensor: Sendable, Hashable {
    public var id: String
    public var kind: EventKind
    public var district: String
    /// Free-flow speed of a road segment (km/h), or capacity of a garage (spaces).
    public var scale: Double
}
