import CityBrainCore
import CityBrainIO

/// The alerts the default pipeline must raise for one simulated incident cycle, derived from
/// the incident schedule and the windows:
/// - a jam over [a, b) minutes makes every 1-minute window in it congested, so the alert is
///   raised when the first one closes (a + 1) and resolved when the first clear one closes (b + 1);
/// - a full garage over [a, b): raised at a + 1, resolved at b + 1;
/// - a pollution episode over [a, b), with a and b on 5-minute boundaries: raised when the first
///   5-minute window closes (a + 5), resolved when the first clean one does (b + 5);
/// - a jam and a full garage in the same district, both open at once: the park-and-ride advisory
///   for the district, raised when the second opens and resolved when the first closes.
/// The default pipeline's other rules (trends, outliers, stuck and silent sensors) must stay
/// quiet on the simulator's steady, noisy readings.
struct ExpectedAlert: Hashable, CustomStringConvertible {
    var rule: String
    var sensor: String
    var state: AlertState
    var ts: Int64

    init(_ alert: Alert) {
        rule = alert.rule
        sensor = alert.key
        state = alert.state
        ts = alert.ts
    }

    init(rule: String, sensor: String, state: AlertState, ts: Int64) {
        self.rule = rule
        self.sensor = sensor
        self.state = state
        self.ts = ts
    }

    var description: String { "\(rule) \(sensor) \(state.rawValue) @\(ts)" }

    static func forCycle(of simulator: CitySimulator, cycle: Int64 = 0) -> [ExpectedAlert] {
        var expected: [ExpectedAlert] = []
        for incident in simulator.incidents(cycle: cycle) {
            let (rule, window): (String, Int64) = switch incident.kind {
            case .trafficJam: ("traffic-congestion", 60_000)
            case .garageFull: ("parking-nearly-full", 60_000)
            case .pollutionEpisode: ("air-quality-pm25", 300_000)
            }
            expected.append(ExpectedAlert(rule: rule, sensor: incident.sensor, state: .raised, ts: incident.start + window))
            expected.append(ExpectedAlert(rule: rule, sensor: incident.sensor, state: .resolved, ts: incident.end + window))
        }
        let district = Dictionary(uniqueKeysWithValues: simulator.sensors.map { ($0.id, $0.district) })
        let congestion = expected.filter { $0.rule == "traffic-congestion" }
        let garages = expected.filter { $0.rule == "parking-nearly-full" }
        for jamRaise in congestion where jamRaise.state == .raised {
            guard let jamResolve = congestion.first(where: { $0.sensor == jamRaise.sensor && $0.state == .resolved && $0.ts > jamRaise.ts }) else { continue }
            for garageRaise in garages where garageRaise.state == .raised && district[garageRaise.sensor] == district[jamRaise.sensor] {
                guard let garageResolve = garages.first(where: { $0.sensor == garageRaise.sensor && $0.state == .resolved }) else { continue }
                let opens = max(jamRaise.ts, garageRaise.ts), closes = min(jamResolve.ts, garageResolve.ts)
                guard opens < closes, let name = district[jamRaise.sensor] else { continue }
                expected.append(ExpectedAlert(rule: "divert-to-park-and-ride", sensor: name, state: .raised, ts: opens))
                expected.append(ExpectedAlert(rule: "divert-to-park-and-ride", sensor: name, state: .resolved, ts: closes))
            }
        }
        let order = ["traffic-congestion", "parking-nearly-full", "air-quality-pm25", "divert-to-park-and-ride"]
        return expected.sorted { a, b in
            if a.ts != b.ts { return a.ts < b.ts }
            if a.rule != b.rule { return order.firstIndex(of: a.rule)! < order.firstIndex(of: b.rule)! }
            return a.sensor < b.sensor
        }
    }
}
