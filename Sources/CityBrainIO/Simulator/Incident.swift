/// A scripted disturbance in the simulated city, whose alerts are known in advance.
public struct Incident: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A road segment crawls: speed about 12 km/h, occupancy about 0.5.
        case trafficJam = "traffic-jam"
        /// A garage fills to about 97.5 % of capacity.
        case garageFull = "garage-full"
        /// An air station reads PM2.5 about 120 µg/m³.
        case pollutionEpisode = "pollution-episode"
    }

    public var kind: Kind
    public var sensor: String
    /// Event time range `[start, end)`, Unix ms.
    public var start: Int64
    public var end: Int64

    public init(kind: Kind, sensor: String, start: Int64, end: Int64) {
        self.kind = kind
        self.sensor = sensor
        self.start = start
        self.end = end
    }

    public func isActive(at time: Int64) -> Bool { time >= start && time < end }
}
