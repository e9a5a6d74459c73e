import CityBrainCore
import Foundation

/// Everything one `citybrain bench` run measured, printed as a table or as JSON (`--json`).
/// Rates are per wall-clock second; latencies in microseconds; memory in bytes.
public struct BenchReport: Sendable, Encodable {
    public struct Scenario: Sendable, Encodable {
        public var name: String
        public var sensors: Int
        public var rules: Int
        public var windowSpecs: [String]
        /// The pipeline's close spread in ms (``WatermarkPolicy/closeSpread``); 0 without one.
        public var closeSpreadMilliseconds: Int64
        public var transport: String
        public var partitions: Int
        public var phaseSeconds: Double
    }

    public struct Generator: Sendable, Encodable {
        /// Frames the generator writes per second on one core without sending them.
        public var framesPerSecond: Double
        public var meanFrameBytes: Double
    }

    /// One run of the whole pipeline: sender → ZeroMQ → ingest → engine → alert publisher.
    public struct Phase: Sendable, Encodable {
        /// `nil`: as fast as the pipeline takes them (PUSH blocks at the high-water mark).
        public var targetRate: Double?
        public var events: Int
        /// From the first send until the engine had processed the last event.
        public var seconds: Double
        public var eventsPerSecond: Double
        public var rejected: Int
        public var alerts: Int
        public var windowResults: Int
        public var latency: LatencySummary
        /// CPU seconds of the whole process during the phase, and without the sending thread.
        public var processCPUSeconds: Double
        public var pipelineCPUSeconds: Double
        /// Peak resident memory of the process during the phase, less the bench's own latency
        /// timeline (a fixed ring, ``PositionClock/byteCount``).
        public var peakResidentBytes: Int
        public var openWindows: Int
        public var stateBytes: Int
        /// With `--durable`: checkpoints written during the phase, and bytes of input log.
        public var checkpoints: Int?
        public var inputLogBytes: Int?
        /// The largest close burst of the phase (``StreamEngine/longestCloseNanoseconds``): the
        /// longest a partition spent closing windows within one batch.
        public var longestCloseSeconds: Double
    }

    /// The pipeline on a SUB feed offered more than it can take (`--overload FACTOR`).
    public struct Overload: Sendable, Encodable {
        /// One second of the phase.
        public struct Sample: Sendable, Encodable {
            public var second: Double
            /// Resident memory of the process at that moment (VmRSS).
            public var residentBytes: Int
            /// Bytes allocated and not freed at that moment (see ``ResourceUsage/heapInUseBytes``):
            /// RSS growing while this stays flat is the allocator keeping freed memory.
            public var heapInUseBytes: Int
            /// Readings the engine took, ingest shed, and libzmq lost (from `seq` gaps), per second.
            public var eventsPerSecond: Double
            public var shedPerSecond: Double
            public var lostPerSecond: Double
            /// Occupancy of the bounded queues at that moment.
            public var waitingReadings: Int
            public var engineBatches: Int
            public var alertSinkBatches: Int
            /// The engine's own estimate of its state, and its open alerts, at that moment: what
            /// of the resident memory is windows and alerts rather than queues or the allocator.
            public var stateBytes: Int
            public var openAlerts: Int
        }

        public var factor: Double
        public var offeredPerSecond: Double
        /// How often each sensor reports in event time during the phase, in milliseconds: the
        /// scenario's interval divided by the factor, so event time passes at the sustained
        /// phase's pace with more readings, as at a city's peak hour.
        public var reportIntervalMilliseconds: Int64
        public var sent: Int
        public var taken: Int
        public var shed: Int
        public var shedByReason: [String: Int]
        public var lost: Int
        public var alerts: Int
        /// Alerts raised during the phase, by rule.
        public var raisedByRule: [String: Int]
        /// The longest time, while the sender sent, in which the engine finished no batch.
        public var longestStallSeconds: Double
        /// The longest time, while the sender sent, in which ingest read no frame from the feed
        /// socket (taken, shed or rejected): what "ingest keeps draining" is measured by.
        public var longestIngestStallSeconds: Double
        /// The largest close burst of the phase; the target is a longest stall no longer than it.
        public var longestCloseSeconds: Double
        public var peakResidentBytes: Int
        /// Peak resident memory of the sustained phase: the same sensors at the rate the pipeline keeps up with.
        public var steadyResidentBytes: Int
        public var samples: [Sample]

        /// Peak memory under overload as a multiple of the steady state's (target: ≤ 1.5).
        public var residentRatio: Double { steadyResidentBytes > 0 ? Double(peakResidentBytes) / Double(steadyResidentBytes) : 0 }
    }

    public var scenario: Scenario
    public var machineCores: Int
    /// The `malloc` the process ran on (``Allocator``): it moves both the pipeline and libzmq.
    public var allocator: String
    public var baseline: RawBaseline.Result
    public var generator: Generator
    public var sustained: Phase
    /// At half the sustained rate: the latency the targets speak of.
    public var halfRate: Phase?
    public var overload: Overload?

    /// Sustained end-to-end rate as a share of the raw libzmq baseline.
    public var ratioToBaseline: Double {
        baseline.messagesPerSecond > 0 ? sustained.eventsPerSecond / baseline.messagesPerSecond : 0
    }

    enum CodingKeys: String, CodingKey {
        case scenario, machineCores, allocator, baseline, generator, sustained, halfRate, overload, ratioToBaseline, overloadResidentRatio
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(machineCores, forKey: .machineCores)
        try container.encode(allocator, forKey: .allocator)
        try container.encode(baseline, forKey: .baseline)
        try container.encode(generator, forKey: .generator)
        try container.encode(sustained, forKey: .sustained)
        try container.encodeIfPresent(halfRate, forKey: .halfRate)
        try container.encodeIfPresent(overload, forKey: .overload)
        try container.encodeIfPresent(overload?.residentRatio, forKey: .overloadResidentRatio)
        try container.encode(ratioToBaseline, forKey: .ratioToBaseline)
    }

    /// Pretty-printed JSON with sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The human-readable summary.
    public var table: String {
        var lines: [String] = []
        let spread = scenario.closeSpreadMilliseconds > 0 ? ", closes spread over \(DurationText.format(scenario.closeSpreadMilliseconds))" : ""
        lines.append("scenario \(scenario.name): \(scenario.sensors) sensors, \(scenario.rules) rules, windows \(scenario.windowSpecs.joined(separator: ", "))\(spread)")
        lines.append("transport \(scenario.transport), \(scenario.partitions) partitions, \(machineCores) cores, \(allocator), \(Self.seconds(scenario.phaseSeconds)) per phase")
        lines.append("")
        lines.append(Self.row("", "rate", "events", "alerts", "p50", "p99", "p99.9", "max", "CPU", "peak RSS"))
        lines.append(Self.row(
            "raw PUSH→PULL", Self.rate(baseline.messagesPerSecond), "\(baseline.messages)", "", "", "", "", "", "", ""
        ))
        lines.append(Self.row("generator alone", Self.rate(generator.framesPerSecond), "", "", "", "", "", "", "", ""))
        for (name, phase) in [("sustained", sustained)] + (halfRate.map { [("half rate", $0)] } ?? []) {
            lines.append(Self.row(
                name, Self.rate(phase.eventsPerSecond), "\(phase.events)", "\(phase.alerts)",
                Self.micros(phase.latency.p50), Self.micros(phase.latency.p99), Self.micros(phase.latency.p999), Self.micros(phase.latency.max),
                String(format: "%.1f s", phase.pipelineCPUSeconds), Self.bytes(phase.peakResidentBytes)
            ))
        }
        lines.append("")
        lines.append(String(format: "end to end / raw libzmq: %.1f %%  (frames of %.0f bytes on average; baseline frame %d bytes)",
                            ratioToBaseline * 100, generator.meanFrameBytes, baseline.frameBytes))
        lines.append("latency: from the trigger event's send to the alert's publish; CPU: process time minus the sending thread")
        lines.append(String(format: "largest close burst (time a partition spent closing windows within one batch, slowest partition): %.3f s sustained",
                            sustained.longestCloseSeconds) + (halfRate.map { String(format: ", %.3f s at half rate", $0.longestCloseSeconds) } ?? ""))
        if let checkpoints = sustained.checkpoints {
            lines.append("durable: checkpoints every 10 s (\(checkpoints) written in the sustained phase) and an input log of \(Self.bytes(sustained.inputLogBytes ?? 0)) (\(String(format: "%.0f", Double(sustained.inputLogBytes ?? 0) / Double(max(1, sustained.events)))) bytes per event)")
        }
        if let overload {
            lines.append("")
            lines.append(String(format: "overload: a SUB feed offered %@ (%g × sustained; each sensor every %@ of event time) for %@: %d sent, %d taken, %d shed (%@), %d lost in libzmq, %d alerts",
                                Self.rate(overload.offeredPerSecond), overload.factor, Self.seconds(Double(overload.reportIntervalMilliseconds) / 1000),
                                Self.seconds(scenario.phaseSeconds), overload.sent, overload.taken,
                                overload.shed, overload.shedByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                                overload.lost, overload.alerts))
            lines.append("  raised by rule: " + overload.raisedByRule.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            lines.append(String(format: "  peak RSS %@ against %@ in the sustained phase: %.2f ×", Self.bytes(overload.peakResidentBytes),
                                Self.bytes(overload.steadyResidentBytes), overload.residentRatio))
            lines.append(String(format: "  largest close burst %.2f s; longest time ingest read no frame %.2f s, the engine finished no batch %.2f s",
                                overload.longestCloseSeconds, overload.longestIngestStallSeconds, overload.longestStallSeconds))
            let widths = [8, 10, 10, 11, 11, 11, 9, 8, 11, 11, 12]
            func line(_ cells: [String]) -> String {
                "  " + zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined()
            }
            lines.append(line(["second", "RSS", "heap", "taken", "shed", "lost", "waiting", "engine", "sink", "state", "open alerts"]))
            for sample in overload.samples {
                lines.append(line([String(format: "%.1f", sample.second), Self.bytes(sample.residentBytes), Self.bytes(sample.heapInUseBytes),
                                   Self.rate(sample.eventsPerSecond), Self.rate(sample.shedPerSecond), Self.rate(sample.lostPerSecond), "\(sample.waitingReadings)",
                                   "\(sample.engineBatches)", "\(sample.alertSinkBatches)", Self.bytes(sample.stateBytes), "\(sample.openAlerts)"]))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: String...) -> String {
        let widths = [16, 11, 11, 9, 10, 10, 10, 10, 9, 11]
        return zip(cells, widths).enumerated().map { index, pair in
            index == 0 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                : String(repeating: " ", count: max(0, pair.1 - pair.0.count)) + pair.0
        }.joined()
    }

    static func rate(_ perSecond: Double) -> String {
        perSecond >= 1e6 ? String(format: "%.2f M/s", perSecond / 1e6) : String(format: "%.0f k/s", perSecond / 1e3)
    }

    static func micros(_ value: UInt64) -> String {
        value >= 10_000 ? String(format: "%.1f ms", Double(value) / 1000) : value >= 1000 ? String(format: "%.2f ms", Double(value) / 1000) : "\(value) µs"
    }

    static func bytes(_ value: Int) -> String {
        value >= 1 << 30 ? String(format: "%.2f GiB", Double(value) / Double(1 << 30)) : String(format: "%.0f MiB", Double(value) / Double(1 << 20))
    }

    static func seconds(_ value: Double) -> String { String(format: "%.0f s", value) }
}
