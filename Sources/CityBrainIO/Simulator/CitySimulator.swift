import CityBrainCore
import Foundation

/// A deterministic simulated city: road segments, garages and air stations in districts,
/// with daily traffic patterns and scripted incidents whose alerts are known in advance.
///
/// Pure: event time is computed, never read from a clock, and every value is a hash of
/// (seed, sensor, reading), so the same settings give the same events in any chunking.
///
/// Every sensor reports once per `reportInterval`, sensors spread evenly across it. Incidents
/// repeat every 30 minutes of event time on sensors chosen by the seed; within each cycle
/// (offsets from its start): a traffic jam [2m, 6m), a full garage [3m, 9m), a pollution
/// episode [5m, 15m) and a short jam elsewhere [12m, 14m). Normal readings stay clear of the
/// default pipeline's thresholds (speed ≥ 29 km/h, occupancy ≤ 0.26, garages ≤ 84 %,
/// PM2.5 ≤ 35 µg/m³).
public struct CitySimulator: Sendable {
    public static let cycleLength: Int64 = 30 * 60_000

    public let sensors: [SimulatedSensor]
    public let seed: UInt64
    /// Event time of the first reading cycle, Unix ms.
    public let start: Int64
    /// How often each sensor reports, in event-time ms.
    public let reportInterval: Int64
    /// Readings are shifted by up to ± this many ms (seeded), so events arrive out of order.
    public let jitter: Int64

    private var round: Int64 = 0
    private var sensorIndex = 0
    private var cycleIncidents: (cycle: Int64, bySensor: [String: [Incident]])?

    /// - Parameters:
    ///   - sensors: total sensors; about 60 % traffic, 15 % parking, 25 % environment (at
    ///     least two of each), in `max(1, min(12, sensors / 25))` districts.
    public init(sensors: Int, seed: UInt64 = 1, start: Int64, reportInterval: Int64, jitter: Int64 = 0) {
        precondition(reportInterval > 0, "report interval must be positive")
        let total = max(sensors, 6)
        let parking = max(2, total * 15 / 100)
        let environment = max(2, total * 25 / 100)
        let traffic = total - parking - environment
        let districts = max(1, min(12, total / 25))
        var list: [SimulatedSensor] = []
        func district(_ index: Int) -> String {
            let number = index % districts + 1
            return number < 10 ? "d0\(number)" : "d\(number)"
        }
        for index in 0..<traffic {
            let speed = 50 + 30 * Self.unit(seed, 1, UInt64(index), 0)
            list.append(SimulatedSensor(id: "seg-\(Self.pad(index + 1, 4))", kind: .traffic, district: district(index), scale: speed.rounded()))
        }
        for index in 0..<parking {
            let capacity = 120 + 780 * Self.unit(seed, 2, UInt64(index), 0)
            list.append(SimulatedSensor(id: "garage-\(Self.pad(index + 1, 3))", kind: .parking, district: district(index), scale: capacity.rounded()))
        }
        for index in 0..<environment {
            list.append(SimulatedSensor(id: "aq-\(Self.pad(index + 1, 3))", kind: .environment, district: district(index), scale: 1))
        }
        self.sensors = list
        self.seed = seed
        self.start = start
        self.reportInterval = reportInterval
        self.jitter = jitter
    }

    /// The incidents of the cycle containing event time `time`.
    public func incidents(inCycleAt time: Int64) -> [Incident] {
        let cycle = (time - start) >= 0 ? (time - start) / Self.cycleLength : -1
        return incidents(cycle: cycle)
    }

    /// The scripted incidents of cycle `cycle` (0 is the first 30 minutes).
    public func incidents(cycle: Int64) -> [Incident] {
        guard cycle >= 0 else { return [] }
        let base = start + cycle * Self.cycleLength
        let traffic = sensors.filter { $0.kind == .traffic }
        let parking = sensors.filter { $0.kind == .parking }
        let environment = sensors.filter { $0.kind == .environment }
        func pick(_ list: [SimulatedSensor], _ salt: UInt64) -> String {
            list[Int(Self.hash(seed, 9, UInt64(cycle), salt) % UInt64(list.count))].id
        }
        let jam = pick(traffic, 1)
        var secondJam = pick(traffic, 2)
        if secondJam == jam, traffic.count > 1 {
            secondJam = traffic[(traffic.firstIndex { $0.id == jam }! + 1) % traffic.count].id
        }
        let minute: Int64 = 60_000
        return [
            Incident(kind: .trafficJam, sensor: jam, start: base + 2 * minute, end: base + 6 * minute),
            Incident(kind: .garageFull, sensor: pick(parking, 3), start: base + 3 * minute, end: base + 9 * minute),
            Incident(kind: .pollutionEpisode, sensor: pick(environment, 4), start: base + 5 * minute, end: base + 15 * minute),
            Incident(kind: .trafficJam, sensor: secondJam, start: base + 12 * minute, end: base + 14 * minute),
        ]
    }

    /// The next readings, in nominal time order, up to (excluding) nominal event time `time`.
    public mutating func events(until time: Int64) -> [Event] {
        var events: [Event] = []
        while true {
            let nominal = start + round * reportInterval + Int64(sensorIndex) * reportInterval / Int64(sensors.count)
            guard nominal < time else { break }
            events.append(reading(sensorIndex, round: round, nominal: nominal))
            sensorIndex += 1
            if sensorIndex == sensors.count {
                sensorIndex = 0
                round += 1
            }
        }
        return events
    }

    /// Nominal event time of the next reading.
    public var nextEventTime: Int64 {
        start + round * reportInterval + Int64(sensorIndex) * reportInterval / Int64(sensors.count)
    }

    private mutating func activeIncident(for sensor: String, at time: Int64) -> Incident.Kind? {
        let cycle = (time - start) / Self.cycleLength
        if cycleIncidents?.cycle != cycle {
            cycleIncidents = (cycle, Dictionary(grouping: incidents(cycle: cycle), by: \.sensor))
        }
        return cycleIncidents?.bySensor[sensor]?.first { $0.isActive(at: time) }?.kind
    }

    private mutating func reading(_ index: Int, round: Int64, nominal: Int64) -> Event {
        let sensor = sensors[index]
        let incident = activeIncident(for: sensor.id, at: nominal)
        let key = UInt64(index) << 32 ^ UInt64(truncatingIfNeeded: round)
        func noise(_ channel: UInt64) -> Double { 2 * Self.unit(seed, 3, key, channel) - 1 }
        let hour = Double((nominal % 86_400_000 + 86_400_000) % 86_400_000) / 3_600_000
        let rush = min(1, Self.bump(hour, 8, 1.5) + Self.bump(hour, 17.5, 1.5))
        let daytime = min(1, Self.bump(hour, 13, 4))
        var timestamp = nominal
        if jitter > 0 { timestamp += Int64((noise(9) * Double(jitter)).rounded()) }
        var readings: [Reading]
        switch sensor.kind {
        case .traffic:
            if incident == .trafficJam {
                readings = [
                    Reading("speed_kmh", round2(12 + 3 * noise(1))),
                    Reading("flow_vph", (400 + 50 * noise(2)).rounded()),
                    Reading("occupancy", round2(0.5 + 0.05 * noise(3))),
                ]
            } else {
                readings = [
                    Reading("speed_kmh", round2(sensor.scale * (1 - 0.35 * rush) + 3 * noise(1))),
                    Reading("flow_vph", (300 + 1200 * rush + 50 * noise(2)).rounded()),
                    Reading("occupancy", round2(0.05 + 0.18 * rush + 0.03 * noise(3))),
                ]
            }
        case .parking:
            let fraction = incident == .garageFull ? 0.975 + 0.01 * noise(1) : 0.35 + 0.45 * daytime + 0.03 * noise(1)
            readings = [
                Reading("occupied", (fraction * sensor.scale).rounded(.down)),
                Reading("capacity", sensor.scale),
            ]
        case .environment:
            let pm25 = incident == .pollutionEpisode ? 120 + 15 * noise(1) : 15 + 15 * rush + 5 * noise(1)
            readings = [
                Reading("pm25", round2(pm25)),
                Reading("no2", round2(20 + 25 * rush + 5 * noise(2))),
                Reading("noise_db", round2(55 + 10 * rush + 3 * noise(3))),
            ]
        default:
            readings = []  // the simulator's city has only the built-in kinds
        }
        return Event(kind: sensor.kind, sensor: sensor.id, district: sensor.district, timestamp: timestamp, readings: readings)
    }

    private func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    private static func bump(_ hour: Double, _ center: Double, _ width: Double) -> Double {
        let distance = (hour - center) / width
        return Foundation.exp(-distance * distance / 2)
    }

    /// SplitMix64 over the inputs: a stateless, seeded hash.
    static func hash(_ seed: UInt64, _ stream: UInt64, _ key: UInt64, _ channel: UInt64) -> UInt64 {
        var z = seed &+ stream &* 0x9E37_79B9_7F4A_7C15 &+ key &* 0xBF58_476D_1CE4_E5B9 &+ channel &* 0x94D0_49BB_1331_11EB
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    static func unit(_ seed: UInt64, _ stream: UInt64, _ key: UInt64, _ channel: UInt64) -> Double {
        Double(hash(seed, stream, key, channel) >> 11) / Double(1 << 53)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
