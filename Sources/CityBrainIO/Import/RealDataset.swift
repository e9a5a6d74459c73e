import CityBrainCore
import Foundation

/// The real city data sets in `../shared/data`, and how each maps to native events
/// (documented in docs/real-data.md).
public enum RealDataset: String, Sendable, CaseIterable {
    /// Birmingham car parks (UCI), every ~30 minutes, 2016: parking events.
    case parkingBirmingham = "parking-birmingham"
    /// An Italian road-level air-quality station (UCI), hourly, 2004–2005: environment events.
    case airQualityUCI = "air-quality-uci"
    /// Two Minnesota road sensors (Numenta NAB), every ~5 minutes, 2015: traffic events.
    case trafficMinnesota = "traffic-minnesota"
    /// Aarhus road segments, car parks and weather (CityPulse), 2014: all three kinds.
    case citypulseAarhus = "citypulse-aarhus"

    /// The events of the data set in time order (stable for equal times), with what was skipped.
    public func load(from root: URL) throws -> ImportResult {
        var result = ImportResult()
        let folder = root.appendingPathComponent(rawValue)
        switch self {
        case .parkingBirmingham:
            try CSVTable(url: folder.appendingPathComponent("parking-birmingham.csv")).forEachRow { row, line in
                guard let time = LocalTime.parse(row["LastUpdated"], format: "yyyy-MM-dd HH:mm:ss", zone: "Europe/London"),
                      let capacity = Double(row["Capacity"] ?? ""), let occupied = Double(row["Occupancy"] ?? "") else {
                    return result.skip("unreadable row", line: line)
                }
                result.add(Event(kind: .parking, sensor: Self.identifier(row["SystemCodeNumber"] ?? ""), district: "birmingham", timestamp: time,
                                 readings: [Reading("occupied", occupied), Reading("capacity", capacity)]), line: line)
            }
        case .airQualityUCI:
            try CSVTable(url: folder.appendingPathComponent("AirQualityUCI.csv"), separator: ";").forEachRow { row, line in
                guard let date = row["Date"], !date.isEmpty else { return }  // the trailing empty rows
                guard let time = LocalTime.parse("\(date) \(row["Time"] ?? "")", format: "dd/MM/yyyy HH.mm.ss", zone: "+01:00") else {
                    return result.skip("unreadable row", line: line)
                }
                let columns = [("CO(GT)", "co"), ("NO2(GT)", "no2"), ("T", "temperature_c"), ("RH", "humidity_pct")]
                let readings = columns.compactMap { column, name -> Reading? in
                    guard let value = Double((row[column] ?? "").replacingOccurrences(of: ",", with: ".")), value != -200 else { return nil }
                    return Reading(name, value)
                }
                guard !readings.isEmpty else { return result.skip("every measurement missing (-200)", line: line) }
                result.add(Event(kind: .environment, sensor: "uci-air-1", district: "uci", timestamp: time, readings: readings), line: line)
            }
        case .trafficMinnesota:
            for (file, sensor, field, scale) in [("speed_7578.csv", "mn-7578", "speed_kmh", 1.609344), ("occupancy_6005.csv", "mn-6005", "occupancy", 0.01)] {
                try CSVTable(url: folder.appendingPathComponent(file)).forEachRow { row, line in
                    guard let time = LocalTime.parse(row["timestamp"], format: "yyyy-MM-dd HH:mm:ss", zone: "America/Chicago"),
                          let value = Double(row["value"] ?? "") else { return result.skip("unreadable row", line: line) }
                    result.add(Event(kind: .traffic, sensor: sensor, district: "twin-cities", timestamp: time,
                                     readings: [Reading(field, (value * scale * 1e6).rounded() / 1e6)]), line: line)
                }
            }
        case .citypulseAarhus:
            let traffic = folder.appendingPathComponent("traffic")
            for file in try FileManager.default.contentsOfDirectory(atPath: traffic.path).filter({ $0.hasSuffix(".csv") }).sorted() {
                try CSVTable(url: traffic.appendingPathComponent(file)).forEachRow { row, line in
                    guard row["status"] == "OK" else { return result.skip("status not OK", line: line) }
                    guard let time = LocalTime.parse(row["TIMESTAMP"], format: "yyyy-MM-dd'T'HH:mm:ss", zone: "Europe/Copenhagen"),
                          let speed = Double(row["avgSpeed"] ?? ""), let count = Double(row["vehicleCount"] ?? ""), let report = row["REPORT_ID"] else {
                        return result.skip("unreadable row", line: line)
                    }
                    result.add(Event(kind: .traffic, sensor: "aarhus-\(report)", district: "aarhus", timestamp: time,
                                     readings: [Reading("speed_kmh", speed), Reading("flow_vph", count * 12)]), line: line)
                }
            }
            try CSVTable(url: folder.appendingPathComponent("parking/AarhusParkingData.csv")).forEachRow { row, line in
                guard let time = LocalTime.parse(String((row["updatetime"] ?? "").prefix(19)), format: "yyyy-MM-dd HH:mm:ss", zone: "Europe/Copenhagen"),
                      let occupied = Double(row["vehiclecount"] ?? ""), let capacity = Double(row["totalspaces"] ?? "") else {
                    return result.skip("unreadable row", line: line)
                }
                result.add(Event(kind: .parking, sensor: "aarhus-" + Self.identifier(row["garagecode"] ?? ""), district: "aarhus", timestamp: time,
                                 readings: [Reading("occupied", occupied), Reading("capacity", capacity)]), line: line)
            }
            try CSVTable(url: folder.appendingPathComponent("weather/AarhusWeatherData0.csv")).forEachRow { row, line in
                guard let time = LocalTime.parse(row["TIMESTAMP"], format: "yyyy-MM-dd'T'HH:mm:ss", zone: "Europe/Copenhagen") else {
                    return result.skip("unreadable row", line: line)
                }
                let readings = [("tempm", "temperature_c"), ("hum", "humidity_pct")].compactMap { column, name in
                    Double(row[column] ?? "").map { Reading(name, $0) }
                }
                result.add(Event(kind: .environment, sensor: "aarhus-weather", district: "aarhus", timestamp: time, readings: readings), line: line)
            }
        }
        result.events = result.events.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        return result
    }

    /// `Broad Street` → `broad-street`: sensor ids without spaces, lower case.
    static func identifier(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "-")
    }
}

/// What an import produced and what it left out.
public struct ImportResult: Sendable {
    public var events: [Event] = []
    /// Rows left out, by reason (`out_of_range: field 'occupied' = -8.0 …` is grouped by its reason).
    public var skipped: [String: Int] = [:]
    /// First line of each reason, for the report.
    public var examples: [String: Int] = [:]

    /// Adds an event if it passes the checks live input gets (``EventValidation``).
    mutating func add(_ event: Event, line: Int) {
        do throws(FrameRejection) {
            try EventValidation.check(event)
            events.append(event)
        } catch {
            skip(error.reason.rawValue, line: line)
        }
    }

    mutating func skip(_ reason: String, line: Int) {
        skipped[reason, default: 0] += 1
        if examples[reason] == nil { examples[reason] = line }
    }
}
