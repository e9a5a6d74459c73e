import CityBrainCore
import Foundation
import Yams

/// One load scenario for `citybrain bench`, read from `Benchmarks/scenarios/*.yaml`:
/// how many sensors, how they report, how many misbehave, which pipeline runs, for how long.
///
/// ```yaml
/// name: 100k
/// sensors: 100000
/// mix: { traffic: 60, parking: 15, environment: 25 }   # percent of sensors per kind
/// districts: 20
/// report_interval: 10s        # event time between two readings of one sensor
/// anomalous_share: 0.02       # share of sensors misbehaving at a time
/// anomaly_period: 5m          # event time a sensor stays (mis)behaving
/// pipeline: pipeline.yaml     # relative to the scenario file
/// close_spread: 20s           # optional: replaces the pipeline's watermark close_spread
/// duration: 10s               # wall time of each measured phase
/// ```
public struct BenchScenario: Sendable {
    public var name: String
    public var sensors: Int
    /// Percent of sensors per kind; the three add up to 100.
    public var mix: (traffic: Int, parking: Int, environment: Int)
    public var districts: Int
    /// Event time between two readings of one sensor, ms.
    public var reportInterval: Int64
    public var anomalousShare: Double
    /// Event time a sensor stays anomalous or normal before the dice are thrown again, ms.
    public var anomalyPeriod: Int64
    /// The pipeline's YAML text and where it came from.
    public var pipelineSource: PipelineSource
    /// Replaces the pipeline's ``WatermarkPolicy/closeSpread`` (ms), so one pipeline file serves
    /// a scenario with its closes spread and one without.
    public var closeSpread: Int64?
    /// Wall time of each measured phase, ms.
    public var duration: Int64
    /// Event time of the first reading, Unix ms.
    public var start: Int64
    public var seed: UInt64

    /// Loads and checks a scenario file; the pipeline path inside is relative to the file.
    public static func load(path: String) throws(BenchScenarioError) -> BenchScenario {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BenchScenarioError(file: path, message: "cannot read the scenario: \(error.localizedDescription)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path) { relative throws(BenchScenarioError) in
            let pipelinePath = relative.hasPrefix("/") ? relative : directory + "/" + relative
            do { return PipelineSource(name: pipelinePath, text: try String(contentsOfFile: pipelinePath, encoding: .utf8)) } catch {
                throw BenchScenarioError(file: path, message: "pipeline: cannot read \(pipelinePath): \(error.localizedDescription)")
            }
        }
    }

    static let knownKeys: Set<String> = [
        "name", "description", "sensors", "mix", "districts", "report_interval", "anomalous_share", "anomaly_period",
        "pipeline", "close_spread", "duration", "start", "seed",
    ]

    /// Parses scenario YAML; `readPipeline` resolves the `pipeline:` path.
    public static func parse(
        yaml: String, file: String, readPipeline: (String) throws(BenchScenarioError) -> PipelineSource
    ) throws(BenchScenarioError) -> BenchScenario {
        func fail(_ message: String) -> BenchScenarioError { BenchScenarioError(file: file, message: message) }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw fail("the scenario is empty") }
            root = node
        } catch let error as BenchScenarioError {
            throw error
        } catch {
            throw fail("not valid YAML: \(error)")
        }
        guard let mapping = root.mapping else { throw fail("the scenario must be a mapping of settings") }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw fail("setting names must be strings") }
            guard knownKeys.contains(name) else {
                let hint = Suggestion.closest(to: name, in: Array(knownKeys)).map { "; did you mean '\($0)'?" } ?? ""
                throw fail("line \(key.mark?.line ?? 0): unknown setting '\(name)'\(hint)")
            }
            fields[name] = value
        }
        func string(_ key: String) -> String? { fields[key]?.string }
        func integer(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(BenchScenarioError) -> Int {
            guard let node = fields[key] else { return value }
            guard let number = node.int, range.contains(number) else {
                throw fail("\(key): expected an integer in \(range.lowerBound)…\(range.upperBound), got '\(node.string ?? "?")'")
            }
            return number
        }
        func duration(_ key: String, default value: Int64) throws(BenchScenarioError) -> Int64 {
            guard let node = fields[key] else { return value }
            guard let text = node.string, let ms = DurationText.milliseconds(text), ms > 0 else {
                throw fail("\(key): expected a positive duration such as 10s or 5m, got '\(node.string ?? "?")'")
            }
            return ms
        }

        let sensors = try integer("sensors", default: 100_000, in: 6...10_000_000)
        var mix = (traffic: 60, parking: 15, environment: 25)
        if let node = fields["mix"] {
            guard let entries = node.mapping else { throw fail("mix: expected { traffic: %, parking: %, environment: % }") }
            var shares: [String: Int] = [:]
            for (key, value) in entries {
                guard let kind = key.string, ["traffic", "parking", "environment"].contains(kind) else {
                    throw fail("mix: unknown kind '\(key.string ?? "?")' (traffic, parking, environment)")
                }
                guard let percent = value.int, (0...100).contains(percent) else { throw fail("mix.\(kind): expected a percentage 0…100") }
                shares[kind] = percent
            }
            mix = (shares["traffic"] ?? 0, shares["parking"] ?? 0, shares["environment"] ?? 0)
            guard mix.traffic + mix.parking + mix.environment == 100 else {
                throw fail("mix: the percentages add up to \(mix.traffic + mix.parking + mix.environment), not 100")
            }
        }
        let share = fields["anomalous_share"].map { $0.float ?? .nan } ?? 0.02
        guard share.isFinite, (0...1).contains(share) else { throw fail("anomalous_share: expected a fraction 0…1") }
        guard let pipelinePath = string("pipeline") else { throw fail("pipeline: missing (the pipeline file to run, relative to the scenario)") }
        let closeSpread = try fields["close_spread"].map { node throws(BenchScenarioError) -> Int64 in
            guard let text = node.string, let ms = DurationText.milliseconds(text) else {
                throw fail("close_spread: expected a duration such as 0s or 20s, got '\(node.string ?? "?")'")
            }
            return ms
        }
        let startNode = fields["start"]
        let start = try startNode.map { node throws(BenchScenarioError) -> Int64 in
            guard let value = node.int, value > 946_684_800_000 else { throw fail("start: expected Unix milliseconds after 2000") }
            return Int64(value)
        } ?? 1_732_269_600_000
        return BenchScenario(
            name: string("name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent,
            sensors: sensors,
            mix: mix,
            districts: try integer("districts", default: 20, in: 1...9_999),
            reportInterval: try duration("report_interval", default: 10_000),
            anomalousShare: share,
            anomalyPeriod: try duration("anomaly_period", default: 300_000),
            pipelineSource: try readPipeline(pipelinePath),
            closeSpread: closeSpread,
            duration: try duration("duration", default: 10_000),
            start: start,
            seed: UInt64(try integer("seed", default: 1, in: 0...Int.max))
        )
    }

    /// The scenario's pipeline, compiled, with the scenario's close spread if it sets one.
    public func pipeline() throws(PipelineErrors) -> Pipeline {
        var pipeline = try PipelineLoader.load([pipelineSource])
        if let closeSpread { pipeline.watermark.closeSpread = closeSpread }
        return pipeline
    }
}

/// A scenario file that cannot be used, with the file and what is wrong.
public struct BenchScenarioError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
}

extension BenchScenario {
    /// The scenario at `factor` times its rate with event time at the same pace: each sensor
    /// reports `factor` times as often (the overload phase's feed).
    public func atPeak(_ factor: Double) -> BenchScenario {
        var peak = self
        peak.reportInterval = max(1, Int64((Double(reportInterval) / factor).rounded()))
        return peak
    }
}
