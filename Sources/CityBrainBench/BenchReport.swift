import Foundation

/// Everything one `citybrain bench` run measured, printed as a table or as JSON (`--json`).
/// Rates are per wall-clock second; latencies in microseconds; memory in bytes.
public struct BenchReport: Sendable, Encodable {
    public struct Scenario: Sendable, Encodable {
        public var name: String
        public var sensors: Int
        public var rules: Int
        public var windowSpecs: [String]
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
        public var peakResidentBytes: Int
        public var openWindows: Int
        public var stateBytes: Int
        /// With `--durable`: checkpoints written during the phase, and bytes of input log.
        public var checkpoints: Int?
        public var inputLogBytes: Int?
    }

    public var scenario: Scenario
    public var machineCores: Int
    public var baseline: RawBaseline.Result
    public var generator: Generator
    public var sustained: Phase
    /// At half the sustained rate: the latency the targets speak of.
    public var halfRate: Phase?

    /// Sustained end-to-end rate as a share of the raw libzmq baseline.
    public var ratioToBaseline: Double {
        baseline.messagesPerSecond > 0 ? sustained.eventsPerSecond / baseline.messagesPerSecond : 0
    }

    enum CodingKeys: String, CodingKey {
        case scenario, machineCores, baseline, generator, sustained, halfRate, ratioToBaseline
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(machineCores, forKey: .machineCores)
        try container.encode(baseline, forKey: .baseline)
        try container.encode(generator, forKey: .generator)
        try container.encode(sustained, forKey: .sustained)
        try container.encodeIfPresent(halfRate, forKey: .halfRate)
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
        lines.append("scenario \(scenario.name): \(scenario.sensors) sensors, \(scenario.rules) rules, windows \(scenario.windowSpecs.joined(separator: ", "))")
        lines.append("transport \(scenario.transport), \(scenario.partitions) partitions, \(machineCores) cores, \(Self.seconds(scenario.phaseSeconds)) per phase")
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
        if let checkpoints = sustained.checkpoints {
            lines.append("durable: checkpoints every 10 s (\(checkpoints) written in the sustained phase) and an input log of \(Self.bytes(sustained.inputLogBytes ?? 0)) (\(String(format: "%.0f", Double(sustained.inputLogBytes ?? 0) / Double(max(1, sustained.events)))) bytes per event)")
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
