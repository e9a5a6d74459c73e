import CityBrainCore
import Foundation

/// Reads labelled anomaly windows: a JSON object from sensor id to a list of `[start, end]`
/// pairs, the format anomaly-benchmark tools use (NAB's `combined_windows.json`, with keys
/// renamed to sensor ids).
///
/// ```json
/// { "mn-7578": [["2015-09-11 16:30:00", "2015-09-11 17:30:00"]] }
/// ```
///
/// A time is Unix milliseconds (a number), or `yyyy-MM-dd HH:mm:ss` / `yyyy-MM-ddTHH:mm:ss`
/// (fractions ignored; a trailing `Z` means UTC) in `timeZone`.
public enum LabelFile {
    /// A label file that cannot be used, with what is wrong and where.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The windows, and every sensor the file names (some with no window: no incident).
    public struct Labels: Sendable {
        public var windows: [LabelledWindow]
        public var sensors: Set<String>
    }

    public static func read(_ path: String, timeZone: String = "UTC") throws -> Labels {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure(description: "\(path): cannot read the label file: \((error as NSError).localizedDescription)")
        }
        return try parse(data, file: path, timeZone: timeZone)
    }

    public static func parse(_ data: Data, file: String, timeZone: String = "UTC") throws -> Labels {
        guard let object = try? JSONSerialization.jsonObject(with: data), let sensors = object as? [String: Any] else {
            throw Failure(description: "\(file): not a JSON object from sensor id to a list of [start, end] pairs")
        }
        var windows: [LabelledWindow] = []
        for (sensor, value) in sensors.sorted(by: { $0.key < $1.key }) {
            guard let pairs = value as? [Any] else { throw Failure(description: "\(file): '\(sensor)': expected a list of [start, end] pairs") }
            for (index, item) in pairs.enumerated() {
                let place = "\(file): '\(sensor)' window \(index + 1)"
                guard let pair = item as? [Any], pair.count == 2 else { throw Failure(description: "\(place): expected [start, end]") }
                guard let start = time(pair[0], timeZone: timeZone) else { throw Failure(description: "\(place): unreadable start \(pair[0])") }
                guard let end = time(pair[1], timeZone: timeZone) else { throw Failure(description: "\(place): unreadable end \(pair[1])") }
                guard start <= end else { throw Failure(description: "\(place): ends before it starts") }
                windows.append(LabelledWindow(sensor: sensor, start: start, end: end))
            }
        }
        return Labels(windows: windows, sensors: Set(sensors.keys))
    }

    /// The label file for `windows`, every sensor of `sensors` listed (an empty list: no
    /// incident), times as Unix ms; keys sorted, one sensor per line.
    public static func json(windows: [LabelledWindow], sensors: [String]) -> String {
        let bySensor = Dictionary(grouping: windows, by: \.sensor)
        let lines = Set(sensors + windows.map(\.sensor)).sorted().map { sensor in
            let pairs = (bySensor[sensor] ?? []).sorted { $0.start < $1.start }.map { "[\($0.start), \($0.end)]" }
            return "  \"\(sensor)\": [\(pairs.joined(separator: ", "))]"
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }

    private static func time(_ value: Any, timeZone: String) -> Int64? {
        if let number = value as? NSNumber, !(value is String) { return number.int64Value }
        guard let text = value as? String else { return nil }
        return LocalTime.parse(text, format: "yyyy-MM-dd HH:mm:ss", zone: text.hasSuffix("Z") ? "UTC" : timeZone)
    }
}
