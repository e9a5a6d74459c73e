/// What the operations page shows besides alerts: free spaces per garage and mean traffic speed
/// per district per minute over the last hour of event time.
///
/// Fed with the window results of ``PageOverviewOutputs`` (one per sensor and minute, as the
/// watermark closes them); pure and clock-free.
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
    /// District → minute → (sum, count) of its speed readings, from each sensor's final result
    /// for the minute (one per sensor and minute, whatever updates came before it).
    private var speed: [String: [Int64: (sum: Double, count: Double)]] = [:]
    /// The newest window end seen.
    private(set) public var latest: Int64 = .min

    public init(minutes: Int = 60) {
        self.minutes = minutes
    }

    public mutating func observe(_ results: [WindowResult]) {
        for result in results { observe(result) }
    }

    /// Takes one window result of ``PageOverviewOutputs``; others are ignored.
    public mutating func observe(_ result: WindowResult) {
        guard result.keyField == .sensor, let district = result.district else { return }
        func value(_ name: String) -> Double? { result.values.first { $0.name == name }?.value }
        switch result.output {
        case PageOverviewOutputs.parking:
            guard let occupied = value("last(occupied)"), let capacity = value("last(capacity)") else { return }
            if let known = garages[result.key], known.ts > result.windowEnd { return }
            garages[result.key] = Garage(sensor: result.key, district: district, occupied: occupied, capacity: capacity, ts: result.windowEnd)
            latest = max(latest, result.windowEnd)
        case PageOverviewOutputs.traffic:
            guard result.final, let sum = value("sum(speed_kmh)"), let count = value("count(speed_kmh)"), count > 0 else { return }
            latest = max(latest, result.windowEnd)
            let minute = result.windowStart
            guard minute > latest - Int64(minutes) * 60_000 else { return }
            speed[district, default: [:]][minute, default: (0, 0)].sum += sum
            speed[district, default: [:]][minute, default: (0, 0)].count += count
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
            perMinute.filter { $0.key > horizon }.sorted { $0.key < $1.key }.map { minute, total in
                SpeedPoint(minute: minute, meanSpeed: total.sum / total.count, readings: Int(total.count))
            }
        }.filter { !$0.value.isEmpty }
    }
}
