import CityBrainCore

/// The reference the window engine is checked against: windows computed from the whole event
/// set at once, by the definitions in docs/pipeline-language.md, with no incremental state.
enum BruteForceWindows {
    struct Window: Hashable {
        var key: String
        var start: Int64
        var end: Int64
    }

    /// Events (in arrival order) of each tumbling or sliding window, per key.
    static func panes(_ events: [Event], key: (Event) -> String?, size: Int64, slide: Int64) -> [Window: [Event]] {
        var windows: [Window: [Event]] = [:]
        for event in events {
            guard let name = key(event) else { continue }
            var start = floor(event.timestamp, slide)
            while start + size > event.timestamp {
                windows[Window(key: name, start: start, end: start + size), default: []].append(event)
                start -= slide
            }
        }
        return windows
    }

    /// Session windows: per key, events sorted by time; a gap of `gap` or more starts a new one.
    static func sessions(_ events: [Event], gap: Int64) -> [Window: [Event]] {
        var windows: [Window: [Event]] = [:]
        let byKey = Dictionary(grouping: events.enumerated(), by: { $0.element.sensor })
        for (key, indexed) in byKey {
            let sorted = indexed.sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
            var current: [Event] = []
            func close() {
                guard let first = current.first, let last = current.last else { return }
                windows[Window(key: key, start: first.timestamp, end: last.timestamp + gap)] = current
            }
            for event in sorted {
                if let last = current.last, event.timestamp - last.timestamp >= gap {
                    close()
                    current = []
                }
                current.append(event)
            }
            close()
        }
        // Restore arrival order inside each window (first/last tie-breaking depends on it).
        let order = Dictionary(events.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        return windows.mapValues { $0.sorted { order[$0]! < order[$1]! } }
    }

    /// The reference value of an aggregate over a window's events (in arrival order).
    static func value(_ function: String, of field: String, in events: [Event]) -> Double? {
        let values = events.compactMap { $0.value(field) }
        let timed = events.compactMap { event in event.value(field).map { (event.timestamp, $0) } }
        switch function {
        case "sum": return values.isEmpty ? nil : values.reduce(0, +)
        case "mean": return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        case "min": return values.min()
        case "max": return values.max()
        case "first": return timed.min { $0.0 < $1.0 }.map(\.1)
        case "last": return timed.reversed().max { $0.0 < $1.0 }.map(\.1)
        case "stddev":
            guard values.count >= 2 else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        case "slope":
            let origin = timed.first?.0 ?? 0
            let times = timed.map { Double($0.0 - origin) / 1000 }, xs = timed.map(\.1)
            guard times.count >= 2 else { return nil }
            let meanT = times.reduce(0, +) / Double(times.count), meanX = xs.reduce(0, +) / Double(xs.count)
            var covariance = 0.0, variance = 0.0
            for (t, x) in zip(times, xs) {
                covariance += (t - meanT) * (x - meanX)
                variance += (t - meanT) * (t - meanT)
            }
            return variance > 0 ? covariance / variance : nil
        case "slope_se":
            let origin = timed.first?.0 ?? 0
            let times = timed.map { Double($0.0 - origin) / 1000 }, xs = timed.map(\.1)
            guard times.count >= 3, let slope = value("slope", of: field, in: events) else { return nil }
            let meanT = times.reduce(0, +) / Double(times.count), meanX = xs.reduce(0, +) / Double(xs.count)
            var residuals = 0.0, variance = 0.0
            for (t, x) in zip(times, xs) {
                let residual = x - meanX - slope * (t - meanT)
                residuals += residual * residual
                variance += (t - meanT) * (t - meanT)
            }
            return (residuals / Double(times.count - 2) / variance).squareRoot()
        case "p95":
            let sorted = values.sorted()
            return sorted.isEmpty ? nil : sorted[Int((0.95 * Double(sorted.count - 1)).rounded(.down))]
        default:
            preconditionFailure("no reference for \(function)")
        }
    }

    static func floor(_ value: Int64, _ unit: Int64) -> Int64 {
        let remainder = value % unit
        return remainder >= 0 ? value - remainder : value - remainder - unit
    }
}
