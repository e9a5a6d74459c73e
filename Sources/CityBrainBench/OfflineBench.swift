import CityBrainCore
import CityBrainIO
import Foundation
import Logging

/// `citybrain bench --offline`: the offline job anyone can repeat. A JSON-lines file of traffic
/// readings (by default 2 M events, 10 k sensors, one reading per sensor per second, 200 s of
/// event time) goes through one rule: per sensor, 60 s tumbling count/mean/max of `speed_kmh`,
/// alert when the mean is below 20. The generator knows which windows it made slow, so the run's
/// alerts are checked against them. Beside the run, two baselines on the same file: reading it
/// and cutting it into lines, and decoding every line on one thread. With another
/// ``Options/encoding`` (SenML, NGSI-LD) the file is written in it too, and the report sets its
/// decoding cost beside native JSON's on the same events.
public struct OfflineBench {
    public struct Options: Sendable {
        public var events = 2_000_000
        public var sensors = 10_000
        /// Runs of the pipeline (and of each baseline); the report gives medians.
        public var runs = 3
        public var partitions = ProcessInfoCores.active
        /// Threads that decode the input (1: on the reading thread).
        public var decodingThreads = ProcessInfoCores.active
        /// How the events are written (a text encoding); the run reads that file.
        public var encoding = FrameEncoding.native
        public init() {}
    }

    public struct Report: Sendable, Encodable {
        public var events: Int
        public var sensors: Int
        public var fileBytes: Int
        public var partitions: Int
        public var decodingThreads: Int
        /// Windows the generator made slow: the alerts a correct run raises.
        public var slowWindows: Int
        /// Alerts raised by each run.
        public var raised: [Int]
        /// Wall seconds of each run, and their median.
        public var runSeconds: [Double]
        public var medianRunSeconds: Double
        public var eventsPerSecond: Double
        /// Medians of the baselines: read and split into lines; decode every line on one thread.
        public var readSeconds: Double
        public var decodeSeconds: Double
        /// The file's encoding, and with one other than native: its size and one-thread decode
        /// median, and that time over native's.
        public var encoding: String
        public var encodedFileBytes: Int?
        public var encodedDecodeSeconds: Double?
        public var decodeRatio: Double? { encodedDecodeSeconds.map { $0 / max(decodeSeconds, 1e-9) } }

        /// Pretty-printed JSON with sorted keys.
        public var json: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }

        private func encodedLine(_ perSecond: (Double) -> String) -> String {
            guard let seconds = encodedDecodeSeconds, let ratio = decodeRatio else { return "" }
            let label = "decode \(encoding), one thread".padding(toLength: 26, withPad: " ", startingAt: 0)
            return "\n\(label) \(String(format: "%7.2f s", seconds))   \(perSecond(seconds))   ×\(String(format: "%.2f", ratio)) native, "
                + "\(BenchReport.bytes(encodedFileBytes ?? 0)) of \(encoding) lines"
        }

        public var table: String {
            let perSecond = { (seconds: Double) in BenchReport.rate(Double(events) / max(seconds, 1e-9)) }
            return """
                offline job: \(events) traffic events, \(sensors) sensors, \(BenchReport.bytes(fileBytes)) of JSON lines; \
                one rule (60 s tumbling count/mean/max of speed_kmh, alert when the mean is below 20)
                \(partitions) partitions, \(decodingThreads) decoding thread(s); medians of \(runSeconds.count) runs

                                               wall       events/s
                read and split into lines  \(String(format: "%7.2f s", readSeconds))   \(perSecond(readSeconds))
                decode, one thread         \(String(format: "%7.2f s", decodeSeconds))   \(perSecond(decodeSeconds))\(encodedLine(perSecond))
                run --input\(encoding == "native" ? "               " : String(format: " (%@)", encoding).padding(toLength: 15, withPad: " ", startingAt: 0))\(String(format: "%7.2f s", medianRunSeconds))   \(perSecond(medianRunSeconds))

                runs: \(runSeconds.map { String(format: "%.2f s", $0) }.joined(separator: ", ")); \
                alerts raised \(raised.map(String.init).joined(separator: ", ")) of \(slowWindows) slow windows
                """
        }
    }

    /// The job's pipeline.
    public static let pipelineYAML = """
        name: offline-bench
        departments:
          traffic-police: { storm_limit: 1000000, storm_window: 1m }
        rules:
          - name: slow-segment
            match: { kind: traffic }
            window: { tumbling: 1m }
            when: mean(speed_kmh) < 20
            severity: warning
            department: traffic-police
            message: "{sensor}: {count()} readings, mean {mean(speed_kmh)} km/h, max {max(speed_kmh)} km/h"
        """

    public let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Writes the input into `directory`, then measures. `progress` receives a line per step.
    public func run(directory: String, progress: (String) -> Void) throws -> Report {
        let pipeline = try PipelineLoader.load(yaml: Self.pipelineYAML, file: "offline-bench")
        let path = directory + "/offline-bench.jsonl"
        progress("writing \(options.events) events of \(options.sensors) sensors to \(path)…")
        let slowWindows = try Self.writeInput(to: path, events: options.events, sensors: options.sensors)
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let encoded = options.encoding == .native ? nil : directory + "/offline-bench.\(options.encoding.rawValue).jsonl"
        if let encoded {
            progress("writing them as \(options.encoding.rawValue) to \(encoded)…")
            _ = try Self.writeInput(to: encoded, events: options.events, sensors: options.sensors, encoding: options.encoding)
        }
        let input = encoded ?? path

        var reads: [Double] = [], decodes: [Double] = [], encodedDecodes: [Double] = [], runs: [Double] = [], raised: [Int] = []
        for run in 1...options.runs {
            reads.append(try Self.timed { _ = try Self.countLines(path) })
            decodes.append(try Self.timed { _ = try Self.decodeAll(path) })
            if let encoded { encodedDecodes.append(try Self.timed { _ = try Self.decodeAll(encoded, format: options.encoding.format) }) }
            let counter = RaisedAlertCounter()
            runs.append(try Self.timed {
                _ = try OfflineRun.run(pipeline: pipeline, input: try OfflineRun.Input.open(input), sinks: [counter], partitions: options.partitions,
                                       deterministic: true, decodingThreads: options.decodingThreads, format: options.encoding.format, logger: logger)
            })
            raised.append(counter.raised)
            progress(String(format: "  run %d: read %.2f s, decode %.2f s, run --input %.2f s, %d alerts", run, reads.last!, decodes.last!,
                            runs.last!, counter.raised))
        }
        let medianRun = median(runs)
        return Report(events: options.events, sensors: options.sensors, fileBytes: fileBytes, partitions: options.partitions,
                      decodingThreads: options.decodingThreads, slowWindows: slowWindows, raised: raised, runSeconds: runs,
                      medianRunSeconds: medianRun, eventsPerSecond: Double(options.events) / max(medianRun, 1e-9),
                      readSeconds: median(reads), decodeSeconds: median(decodes), encoding: options.encoding.rawValue,
                      encodedFileBytes: encoded.flatMap { (try? FileManager.default.attributesOfItem(atPath: $0)[.size]) as? Int },
                      encodedDecodeSeconds: encodedDecodes.isEmpty ? nil : median(encodedDecodes))
    }

    /// Writes the input file, in time order: every sensor reports once a second; about
    /// one window in a hundred is slow (every reading under 20 km/h), never two in a row for one
    /// sensor, so each slow window raises exactly one alert. Returns the number of slow windows.
    static func writeInput(to path: String, events: Int, sensors: Int, start: Int64 = 1_732_269_600_000, encoding: FrameEncoding = .native) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot create \(path)"])
        }
        defer { try? handle.close() }
        var random = SplitMix64(seed: 15)
        let seconds = (events + sensors - 1) / sensors
        let windows = (seconds + 59) / 60
        // slow[window][sensor]
        var slow = [[Bool]](repeating: [Bool](repeating: false, count: sensors), count: windows)
        for window in 0..<windows {
            for sensor in 0..<sensors where Int.random(in: 0..<100, using: &random) == 0 {
                if window > 0, slow[window - 1][sensor] { continue }
                slow[window][sensor] = true
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(1 << 22)
        var written = 0
        var slowCount = 0
        outer: for second in 0..<seconds {
            for sensor in 0..<sensors {
                guard written < events else { break outer }
                let window = second / 60
                let isSlow = slow[window][sensor]
                // Time order: a sensor's first reading of a window comes before its others.
                if isSlow, second % 60 == 0 { slowCount += 1 }
                let speed = isSlow ? Double.random(in: 5..<19, using: &random) : Double.random(in: 30..<90, using: &random)
                let event = Event(kind: .traffic, sensor: "seg-" + String(format: "%05d", sensor), district: "d\(sensor % 20)",
                                  timestamp: start + Int64(second) * 1000 + Int64(sensor * 1000 / sensors),
                                  readings: [Reading("speed_kmh", (speed * 10).rounded() / 10), Reading("flow", Double(Int.random(in: 2..<40, using: &random)))])
                text += encoding.encode(event) ?? []
                text.append(0x0A)
                written += 1
                if text.count >= 1 << 22 {
                    handle.write(Data(text))
                    text.removeAll(keepingCapacity: true)
                }
            }
        }
        handle.write(Data(text))
        return slowCount
    }

    /// Reads the file and cuts it into lines: the floor of any run over it.
    static func countLines(_ path: String) throws -> Int {
        var count = 0
        try LineReader(path: path).forEachBlock { count += $0.lines.count }
        return count
    }

    /// Reads the file and decodes every line on this thread, as `run --input` decodes a block
    /// (into one array of events, here emptied every 4 096 lines); returns the events decoded.
    static func decodeAll(_ path: String, format: FeedFormat = .native) throws -> Int {
        let decoder = FeedDecoder(format: format)
        var decoded = 0
        var events: [Event] = []
        events.reserveCapacity(4096)
        var shapes = FrameShapes()
        try LineReader(path: path).forEachLine { line, _ in
            _ = try? decoder.decode(frame: line, shapes: &shapes, appendingTo: &events)
            if events.count >= 4096 {
                decoded += events.count
                events.removeAll(keepingCapacity: true)
            }
        }
        return decoded + events.count
    }

    static func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = monotonicNanoseconds()
        try body()
        return Double(monotonicNanoseconds() - start) / 1e9
    }
}

/// Counts raised alerts (the offline bench's only sink).
final class RaisedAlertCounter: OutputSink, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var raised: Int { lock.withLock { count } }

    func deliver(_ records: [OutputRecord]) {
        var raised = 0
        for case .alert(let alert) in records where alert.state == .raised { raised += 1 }
        lock.withLock { count += raised }
    }

    func close() {}
}
