/// The sensor feeds CityBrain understands. A frame with any other `kind` is rejected
/// with ``RejectReason/unknownKind``.
public enum EventKind: String, Sendable, CaseIterable, Codable, Hashable {
    /// Road-segment detectors: `speed_kmh`, `flow_vph`, `occupancy`.
    case traffic
    /// Garages and on-street bays: `occupied`, `capacity`.
    case parking
    /// Environmental stations: `pm25`, `no2`, `noise_db`, `water_level_cm`, …
    case environment
}
