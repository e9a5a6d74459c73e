import ArgumentParser
import CityBrainBench
import CityBrainCore
import Foundation
import Logging

/// `citybrain bench`: the end-to-end load tool.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the whole pipeline under load next to a raw libzmq baseline.",
        discussion: """
        One run, four measurements on this machine: libzmq PUSH→PULL alone with frames of the \
        scenario's size; the load generator alone; the pipeline (generator → ZeroMQ → ingest → \
        engine → alert publisher) as fast as it goes, where the sender blocks on the feed \
        socket's high-water mark; and the pipeline again at half that rate, for ingest→alert \
        latency (HdrHistogram, from the trigger event's send to the alert's publish). Progress \
        goes to standard error; the table, or JSON with --json, to standard output.

        With --offline it measures the offline job instead: it writes a JSON-lines file of \
        traffic readings (--offline-events, --offline-sensors), runs it through one rule (60 s \
        tumbling count/mean/max of speed_kmh, alert below 20) as `run --input` does, and times \
        that beside reading the file and decoding it on one thread; medians of --runs runs.

        Scenarios are YAML files in Benchmarks/scenarios; a bare name such as `1m` means \
        Benchmarks/scenarios/1m.yaml. Exit codes: 0 done; 1 a failure (scenario, pipeline, \
        socket); 64 a usage error.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Scenario file, or a name in Benchmarks/scenarios.", valueName: "file|name"))
    var scenario = "default"

    @Option(name: .long, help: "Feed transport between generator and pipeline: tcp (loopback) or ipc.")
    var transport: BenchRunner.Transport = .tcp

    @Option(name: .long, help: ArgumentHelp("Seconds per phase, instead of the scenario's duration (the raw libzmq baseline runs at most 30 s).", valueName: "seconds"))
    var duration: Double?

    @Option(name: .long, help: "Engine partitions (default: one per active core).")
    var partitions = ProcessInfoCores.active

    @Option(name: .long, help: ArgumentHelp("Send rate of the latency phase (default: half the sustained rate).", valueName: "events-per-second"))
    var latencyRate: Double?

    @Flag(name: .long, help: "Skip the latency phase at half rate.")
    var noLatencyPhase = false

    @Flag(name: .long, help: "Measure checkpoints instead of throughput: fill the engine with the scenario's sensors, take checkpoints (partition pause, background write, file size) and restore one.")
    var checkpoints = false

    @Flag(name: .long, help: "Run the pipeline durably (checkpoints every 10 s, an input log), to compare with a run without.")
    var durable = false

    @Flag(name: .long, help: "Keep every anomaly score for the series charts, as run --http does, to compare with a run without (needs a scenario whose pipeline has anomaly rules, such as city).")
    var series = false

    @Flag(name: .long, help: "Keep the operations page's overview (its window outputs and counts per kind), as run --http does, to compare with a run without.")
    var overview = false

    @Option(name: .long, help: ArgumentHelp("Last, offer FACTOR × the sustained rate on a SUB feed for --duration seconds (each sensor reporting FACTOR times as often, so event time keeps the sustained pace) and report memory over time, shedding and the longest stall.", valueName: "factor"))
    var overload: Double?

    @Flag(name: .long, help: "Measure the offline job instead: a generated JSON-lines file of traffic readings through one windowed rule (run --input), beside reading the file and decoding it on one thread.")
    var offline = false

    @Option(name: .long, help: ArgumentHelp("With --offline: events in the file.", valueName: "count"))
    var offlineEvents = 2_000_000

    @Option(name: .long, help: ArgumentHelp("With --offline: sensors in the file.", valueName: "count"))
    var offlineSensors = 10_000

    @Option(name: .long, help: ArgumentHelp("With --offline: runs to take the median of.", valueName: "count"))
    var runs = 3

    @Option(name: .long, help: ArgumentHelp("Run the offline job with the events written and read as senml or ngsi-ld (implies --offline), reporting that format's decode cost beside native JSON's. Default: native.", valueName: "format"))
    var format: FrameEncoding = .native

    @Option(name: .long, help: ArgumentHelp("With --offline: threads decoding the input (default: one per active core).", valueName: "count"))
    var decodingThreads = ProcessInfoCores.active

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let duration { guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be between 0 and 3600 seconds") } }
        guard partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
        if let latencyRate { guard latencyRate > 0, latencyRate.isFinite else { throw ValidationError("--latency-rate must be positive") } }
        if let overload { guard overload >= 1, overload <= 100 else { throw ValidationError("--overload must be a factor between 1 and 100") } }
        guard offlineEvents >= 1, offlineSensors >= 1, offlineSensors <= offlineEvents else {
            throw ValidationError("--offline-events and --offline-sensors must be positive, with no more sensors than events")
        }
        if !format.isText { throw ValidationError("--format senml-cbor is binary and the offline job reads JSON lines; use senml or ngsi-ld") }
        guard runs >= 1, runs <= 100 else { throw ValidationError("--runs must be between 1 and 100") }
        guard decodingThreads >= 1, decodingThreads <= 256 else { throw ValidationError("--decoding-threads must be between 1 and 256") }
    }

    /// `default` → `Benchmarks/scenarios/default.yaml` when no such file exists as given.
    static func scenarioPath(_ argument: String) -> String {
        if FileManager.default.fileExists(atPath: argument) || argument.contains("/") || argument.hasSuffix(".yaml") { return argument }
        return "Benchmarks/scenarios/\(argument).yaml"
    }

    func run() throws {
        var common = common
        if common.logLevel == .info { common.logLevel = .warning }
        let logger = common.makeLogger("citybrain.bench")
        // --format measures decoding, which the offline job does: it implies --offline.
        if offline || format != .native { return try runOffline(logger: logger) }
        let scenario: BenchScenario
        let pipeline: Pipeline
        do {
            scenario = try BenchScenario.load(path: Self.scenarioPath(self.scenario))
            pipeline = try scenario.pipeline()
        } catch let error as BenchScenarioError {
            throw Self.failure("bench: \(error)")
        } catch let error as PipelineErrors {
            throw Self.failure("bench: the scenario's pipeline is invalid:\n" + error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        if checkpoints {
            let directory = NSTemporaryDirectory() + "citybrain-bench-checkpoints-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let bench = CheckpointBench(scenario: scenario, pipeline: pipeline, partitions: partitions)
            let report: CheckpointBench.Report
            do {
                report = try bench.run(directory: directory) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            } catch {
                throw Self.failure("bench: \(error)")
            }
            print(json ? report.json : report.table)
            return
        }
        var options = BenchRunner.Options()
        options.transport = transport
        options.partitions = partitions
        options.phaseSeconds = duration
        options.halfRatePhase = !noLatencyPhase
        options.durable = durable
        options.series = series
        options.overview = overview
        options.latencyRate = latencyRate
        options.overloadFactor = overload
        let runner = BenchRunner(scenario: scenario, pipeline: pipeline, options: options, logger: logger) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let report: BenchReport
        do { report = try runner.run() } catch {
            throw Self.failure("bench: \(error)")
        }
        print(json ? report.json : report.table)
    }
}

extension BenchCommand {
    private func runOffline(logger: Logger) throws {
        var options = OfflineBench.Options()
        options.events = offlineEvents
        options.encoding = format
        options.sensors = offlineSensors
        options.runs = runs
        options.partitions = partitions
        options.decodingThreads = decodingThreads
        let directory = NSTemporaryDirectory() + "citybrain-bench-offline-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report: OfflineBench.Report
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            report = try OfflineBench(options: options, logger: logger).run(directory: directory) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
        } catch {
            throw Self.failure("bench --offline: \(error)")
        }
        print(json ? report.json : report.table)
    }

    /// Prints `message` on standard error and gives the exit code for a runtime failure.
    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode.failure
    }
}

extension BenchRunner.Transport: ExpressibleByArgument {}
