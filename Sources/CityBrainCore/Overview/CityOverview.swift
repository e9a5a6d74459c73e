/// What the operations page shows besides alerts: free spaces per garage and mean traffic speed
/// per district per minute over the last hour of event time, and events seen per kind.
///
/// Fed with the same events as the engine; pure and clock-free. Costs one or two dictionary
/// updates per parking or traffic event.
public struct CityOverview: Sendable {
    /// The latest reading of one garage or bay group.
    public struct Garage: Sendable, Hashable {
        public var sensor: String
        public var district: String
        public var occupied: Double
        public var capacity: Double
        /// Event time of the reading.
        public var ts: Int64
        public var free: Int { max(0, Int((capacity - occupied).rounded())) }
    }

    /// Mean speed of one district in one minute.
    public struct SpeedPoint: Sendable, Hashable {
        /// Start of the minute, Unix ms.
        public var minute: Int64
        public var meanSpeed: Double
        public var readings: Int
    }

    /// Minutes of speed history kept per district.
    public let minutes: Int
    private(set) public var garages: [String: Garage] = [:]
    private var speed: [String: [Int64: (sum: Double, count: Int)]] = [:]
    private(set) public var eventsByKind: [EventKind: Int] = [:]
    /// The newest event time seen.
    private(set) public var latest: Int64 = .min

    public init(minutes: Int = 60) {
        self.minutes = minutes
    }

    public mutating func observe(_ events: [Event]) {
        for event in events { observe(event) }
    }

    public mutating func observe(_ event: Event) {
        eventsByKind[event.kind, default: 0] += 1
        latest = max(latest, event.timestamp)
        guard let district = event.district else { return }
        switch event.kind {
        case .parking:
            guard let occupied = event.value("occupied"), let capacity = event.value("capacity") else { return }
            if let known = garages[event.sensor], known.ts > event.timestamp { return }
            garages[event.sensor] = Garage(sensor: event.sensor, district: district, occupied: occupied, capacity: capacity, ts: event.timestamp)
        case .traffic:
            guard let value = event.value("speed_kmh") else { return }
            let minute = event.timestamp - event.timestamp % 60_000
            guard minute > latest - Int64(minutes) * 60_000 else { return }
            speed[district, default: [:]][minute, default: (0, 0)].sum += value
            speed[district, default: [:]][minute, default: (0, 0)].count += 1
            if speed[district]!.count > minutes + 5 { trim(district) }
        default:
            break
        }
    }

    private mutating func trim(_ district: String) {
        let horizon = latest - Int64(minutes) * 60_000
        speed[district] = speed[district]?.filter { $0.key > horizon }
    }

    /// Free spaces per district, garages sorted by id.
    public var parkingByDistrict: [String: [Garage]] {
        Dictionary(grouping: garages.values, by: \.district).mapValues { $0.sorted { $0.sensor < $1.sensor } }
    }

    /// Mean speed per district per minute over the last `minutes` minutes of event time, oldest first.
    public var speedByDistrict: [String: [SpeedPoint]] {
        guard latest != .min else { return [:] }
        let horizon = latest - Int64(minutes) * 60_000
        return speed.mapValues { perMinute in
            perMinute.filter { $0.key > horizon }.sorted { $0.key < $1.key }.map {
                SpeedPoint(minute: $0.key, meanSpeed: $0.value.sum / Double($0.value.count), readings: $0.value.count)
            }
        }.filter { !$0.value.isEmpty }
    }
}
