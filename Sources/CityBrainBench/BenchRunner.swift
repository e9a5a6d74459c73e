import CityBrainCore
import CityBrainIO
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Runs one benchmark: the raw libzmq baseline, the generator alone, the whole pipeline at its
/// sustained rate, then again at half that rate for latency. Each pipeline phase starts from a
/// fresh engine, so the phases do not share state.
public struct BenchRunner: Sendable {
    public enum Transport: String, Sendable, CaseIterable {
        case tcp, ipc
    }

    public struct Options: Sendable {
        public var transport: Transport = .tcp
        public var partitions = ProcessInfoCores.active
        /// Wall time of each phase; `nil` uses the scenario's.
        public var phaseSeconds: Double?
        /// Run the half-rate latency phase.
        public var halfRatePhase = true
        /// The rate of the latency phase, instead of half the sustained rate.
        public var latencyRate: Double?
        /// Run the pipeline durably: checkpoints every 10 s and an input log, in a temporary
        /// directory (to measure what crash recovery costs).
        public var durable = false
        /// Keep every anomaly score for the operations page's series charts, as `run --http`
        /// does (the engine emits a score per reading of each anomaly rule).
        public var series = false
        /// Keep the operations page's overview (``PageOverviewOutputs``), as `run --http` does.
        public var overview = false
        /// Last, offer this many times the sustained rate on a SUB feed (a PUB sender nothing
        /// slows down) and sample memory, shedding and stalls (``BenchReport/Overload``).
        public var overloadFactor: Double?
        public init() {}
    }

    public let scenario: BenchScenario
    public let pipeline: Pipeline
    public let options: Options
    private let logger: Logger
    private let progress: @Sendable (String) -> Void

    /// - Parameter progress: told what is being measured and how it is going, about once a second.
    public init(scenario: BenchScenario, pipeline: Pipeline, options: Options, logger: Logger,
                progress: @escaping @Sendable (String) -> Void) {
        self.scenario = scenario
        self.pipeline = pipeline
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    private var phaseSeconds: Double { options.phaseSeconds ?? Double(scenario.duration) / 1000 }

    public func run() throws -> BenchReport {
        let context = try Context(ioThreads: 1)
        defer { context.shutdown() }
        let generator = LoadGenerator(scenario: scenario)
        let sample = (0..<1000).map { generator.frame($0 * max(1, scenario.sensors / 1000)) }
        let meanBytes = Double(sample.reduce(0) { $0 + $1.count }) / Double(sample.count)

        // A transport's raw rate is steady after seconds: long phases (--duration 600) need no long baseline.
        let baselineSeconds = min(phaseSeconds, 30)
        progress(String(format: "raw libzmq PUSH→PULL over %@, %g s…", options.transport.rawValue, baselineSeconds))
        let baselineEndpoint = try endpoint("baseline", wildcard: true)
        defer { Self.removeSocketFile(of: baselineEndpoint) }
        let baseline = try RawBaseline.measure(
            context: context, endpoint: baselineEndpoint, frame: sample[sample.count / 2], seconds: baselineSeconds
        )
        progress("  \(BenchReport.rate(baseline.messagesPerSecond))")

        let generatorRate = Self.measureGenerator(generator, seconds: min(1, phaseSeconds))
        progress("generator alone: \(BenchReport.rate(generatorRate))")

        progress(String(format: "pipeline at the sustained rate, %g s…", phaseSeconds))
        let sustained = try runPipeline(context: context, generator: generator, rate: nil, name: "sustained")
        var halfRate: BenchReport.Phase?
        if options.halfRatePhase {
            let rate = options.latencyRate ?? max(1, sustained.eventsPerSecond / 2)
            progress(String(format: "pipeline at %@ for latency, %g s…", BenchReport.rate(rate), phaseSeconds))
            halfRate = try runPipeline(context: context, generator: generator, rate: rate, name: "latency")
        }
        var overload: BenchReport.Overload?
        if let factor = options.overloadFactor {
            let rate = sustained.eventsPerSecond * factor
            progress(String(format: "pipeline on a SUB feed offered %@ (%g × sustained), %g s…", BenchReport.rate(rate), factor, phaseSeconds))
            // Event time at the sustained phase's pace: each sensor reports `factor` times as
            // often. A city at peak hour sends more readings; its clock does not run faster (with
            // the scenario's interval, event time would pass `factor` times faster too, and
            // window closes `factor` times as often, back to back).
            overload = try runOverload(context: context, generator: LoadGenerator(scenario: scenario.atPeak(factor)), factor: factor, rate: rate,
                                       steadyResidentBytes: sustained.peakResidentBytes)
        }
        return BenchReport(
            scenario: .init(
                name: scenario.name, sensors: scenario.sensors, rules: pipeline.rules.count + pipeline.correlations.count,
                windowSpecs: Self.windowSpecs(of: pipeline), closeSpreadMilliseconds: pipeline.watermark.closeSpread,
                transport: options.transport.rawValue,
                partitions: options.partitions, phaseSeconds: phaseSeconds
            ),
            machineCores: ProcessInfoCores.active, allocator: Allocator.current.rawValue, baseline: baseline,
            generator: .init(framesPerSecond: generatorRate, meanFrameBytes: meanBytes),
            sustained: sustained, halfRate: halfRate, overload: overload
        )
    }

    /// Offers `rate` on a SUB feed for the phase, sampling every 50 ms how far the engine got
    /// (the longest time it took no batch is the longest stall) and every second the resident
    /// memory, what was shed and what libzmq lost.
    private func runOverload(context: Context, generator: LoadGenerator, factor: Double, rate: Double,
                             steadyResidentBytes: Int) throws -> BenchReport.Overload {
        let feed = try endpoint("feed-overload", wildcard: false)
        defer { Self.removeSocketFile(of: feed) }
        var configuration = LivePipeline.Configuration(
            pipeline: pipeline, feeds: FeedEndpoints(subscribe: [feed]), alertEndpoints: ["tcp://127.0.0.1:*"],
            partitions: options.partitions
        )
        // Which rules raise under overload (shed and lost readings make sensors look silent or jump).
        let raisedByRule = Mutex<[String: Int]>([:])
        configuration.onPublished = { published in
            var counts: [String: Int] = [:]
            for case .alert(let alert) in published.records where alert.state == .raised { counts[alert.rule, default: 0] += 1 }
            if !counts.isEmpty { raisedByRule.withLock { $0.merge(counts, uniquingKeysWith: +) } }
        }
        ResourceUsage.resetPeak()
        let live = try LivePipeline(context: context, configuration: configuration, logger: logger)
        try live.start()
        let sender = FrameSender(context: context, endpoint: feed, generator: generator, timeline: nil, rate: rate,
                                 seconds: phaseSeconds, publishes: true)
        let start = monotonicNanoseconds()
        sender.start()
        var samples: [BenchReport.Overload.Sample] = []
        var engineStall = StallTracker()
        var ingestStall = StallTracker()
        var nextSample = start + 1_000_000_000
        var previous = (events: 0, shed: 0, lost: 0, at: start)
        let end = start + UInt64(phaseSeconds * 1e9)
        while true {
            usleep(50_000)
            let now = monotonicNanoseconds()
            let status = live.status
            engineStall.observe(status.engine.events, at: now, counting: now < end)
            ingestStall.observe(status.ingest.frames, at: now, counting: now < end)
            if now >= nextSample || now >= end {
                let seconds = Double(now - previous.at) / 1e9
                samples.append(.init(
                    second: Double(now - start) / 1e9, residentBytes: ResourceUsage.residentBytes,
                    heapInUseBytes: ResourceUsage.heapInUseBytes,
                    eventsPerSecond: Double(status.engine.events - previous.events) / seconds,
                    shedPerSecond: Double(status.ingest.shedTotal - previous.shed) / seconds,
                    lostPerSecond: Double(status.ingest.lost - previous.lost) / seconds,
                    waitingReadings: status.queues.ingestWaiting, engineBatches: status.queues.engineBatches,
                    alertSinkBatches: status.queues.alertSinkBatches, stateBytes: status.engine.stateBytes, openAlerts: status.engine.openAlerts
                ))
                previous = (status.engine.events, status.ingest.shedTotal, status.ingest.lost, now)
                nextSample += 1_000_000_000
                let last = samples[samples.count - 1]
                progress(String(format: "  %5.1f s  RSS %@  heap %@  %@ taken  %@ shed  %@ lost  state %@  open alerts %d", last.second,
                                BenchReport.bytes(last.residentBytes), BenchReport.bytes(last.heapInUseBytes), BenchReport.rate(last.eventsPerSecond), BenchReport.rate(last.shedPerSecond),
                                BenchReport.rate(last.lostPerSecond), BenchReport.bytes(last.stateBytes), last.openAlerts))
            }
            if now >= end { break }
        }
        let sent = try sender.wait()
        let peak = ResourceUsage.peakResidentBytes
        let status = live.status
        live.stop()
        let overload = BenchReport.Overload(
            factor: factor, offeredPerSecond: rate, reportIntervalMilliseconds: generator.scenario.reportInterval, sent: sent.frames, taken: status.engine.events, shed: status.ingest.shedTotal,
            shedByReason: Dictionary(uniqueKeysWithValues: status.ingest.shed.map { ($0.key.rawValue, $0.value) }),
            lost: status.ingest.lost, alerts: status.engine.alerts, raisedByRule: raisedByRule.withLock { $0 }, longestStallSeconds: engineStall.longestSeconds,
            longestIngestStallSeconds: ingestStall.longestSeconds,
            longestCloseSeconds: Double(status.longestCloseNanoseconds) / 1e9, peakResidentBytes: peak, steadyResidentBytes: steadyResidentBytes, samples: samples
        )
        progress(String(format: "  peak RSS %@ = %.2f × the sustained phase's; largest close burst %.2f s; longest stall of ingest %.2f s, of the engine %.2f s",
                        BenchReport.bytes(peak), overload.residentRatio, overload.longestCloseSeconds, overload.longestIngestStallSeconds,
                        overload.longestStallSeconds))
        return overload
    }

    /// The distinct windows of the pipeline, e.g. `tumbling 1m`.
    static func windowSpecs(of pipeline: Pipeline) -> [String] {
        var seen: [String] = []
        for aggregation in pipeline.aggregations {
            if case .silence = aggregation.window.spec { continue }
            let text = aggregation.window.spec.summary
            if !seen.contains(text) { seen.append(text) }
        }
        return seen
    }

    /// Frames per second the generator writes on this thread, sending nothing.
    static func measureGenerator(_ generator: LoadGenerator, seconds: Double) -> Double {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: LoadGenerator.maxFrameBytes)
        defer { buffer.deallocate() }
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(seconds * 1e9)
        var frames = 0
        var checksum = 0
        while monotonicNanoseconds() < deadline {
            for _ in 0..<1024 {
                checksum &+= generator.write(frame: frames, to: buffer)
                frames += 1
            }
        }
        precondition(checksum > 0)
        return Double(frames) / (Double(monotonicNanoseconds() - start) / 1e9)
    }

    private func endpoint(_ purpose: String, wildcard: Bool) throws -> String {
        switch options.transport {
        case .ipc:
            return "ipc://\(NSTemporaryDirectory())citybrain-bench-\(getpid())-\(purpose)"
        case .tcp:
            if wildcard { return "tcp://127.0.0.1:*" }
            return "tcp://127.0.0.1:\(try Self.freePort())"
        }
    }

    /// Removes an `ipc://` endpoint's socket file, which libzmq leaves behind when the socket
    /// bound to it is not closed before the context ends.
    static func removeSocketFile(of endpoint: String) {
        guard endpoint.hasPrefix("ipc://") else { return }
        unlink(String(endpoint.dropFirst("ipc://".count)))
    }

    /// A loopback TCP port nobody is listening on right now.
    static func freePort() throws -> Int {
        let context = try Context(ioThreads: 1)
        defer { context.shutdown() }
        let probe = try Socket(context, .pull)
        defer { probe.close() }
        try probe.setLinger(milliseconds: 0)
        try probe.bind("tcp://127.0.0.1:*")
        guard let port = try probe.lastEndpoint.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw ZMQError(errno: -1, operation: "no port in \(try probe.lastEndpoint)")
        }
        return port
    }

    private func runPipeline(context: Context, generator: LoadGenerator, rate: Double?, name: String) throws -> BenchReport.Phase {
        let feed = try endpoint("feed-\(name)", wildcard: false)
        defer { Self.removeSocketFile(of: feed) }
        let capacity = Int(phaseSeconds * 20_000_000)
        // Every 16th frame's send time, in a ring of the last 128 M frames (a minute at 2 M/s; an
        // alert is published seconds after its trigger). Its 64 MiB are the bench's, not the
        // pipeline's: they are left out of the phase's peak RSS.
        let timeline = PositionClock(stride: 16, slots: min(capacity / 16 + 1, 8 << 20))
        let latency = LatencyRecorder(timeline: timeline)
        var configuration = LivePipeline.Configuration(
            pipeline: pipeline, feeds: FeedEndpoints(pull: [feed]), alertEndpoints: ["tcp://127.0.0.1:*"],
            partitions: options.partitions
        )
        configuration.onPublished = { published in latency.published(published) }
        configuration.series = options.series
        configuration.overview = options.overview
        let durableDirectory = NSTemporaryDirectory() + "citybrain-bench-durable-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: durableDirectory) }
        if options.durable {
            configuration.durability = DurabilitySettings(
                store: try CheckpointStore(directory: durableDirectory + "/checkpoints", keep: 2), interval: .wall(10_000),
                inputLog: try InputLog(directory: durableDirectory + "/input-log")
            )
        }
        ResourceUsage.resetPeak()
        let live = try LivePipeline(context: context, configuration: configuration, logger: logger)
        try live.start()
        let cpuBefore = ResourceUsage.processCPUSeconds
        let sender = FrameSender(context: context, endpoint: feed, generator: generator, timeline: timeline,
                                 rate: rate, seconds: phaseSeconds, maxFrames: capacity)
        let start = monotonicNanoseconds()
        sender.start()
        var lastReport = start
        var sent: FrameSender.Result?
        var processed = 0
        // Wait for the sender, then for the engine to process all it sent (at most a minute more).
        while true {
            usleep(20_000)
            let status = live.status
            processed = status.engine.events + status.ingest.rejectedTotal
            let now = monotonicNanoseconds()
            if sent == nil, now >= start + UInt64(phaseSeconds * 1e9) { sent = try sender.wait() }
            if let sent, processed >= sent.frames { break }
            if let sent, now > start + UInt64((phaseSeconds + 60) * 1e9) {
                logger.warning("bench: the engine processed \(processed) of \(sent.frames) events within a minute of the sender's end")
                break
            }
            if now - lastReport >= 1_000_000_000 {
                lastReport = now
                let elapsed = Double(now - start) / 1e9
                progress(String(format: "  %5.1f s  %@ processed  %@  alerts %d  RSS %@  heap %@  state %@", elapsed, "\(processed)",
                                BenchReport.rate(Double(processed) / elapsed), status.engine.alerts,
                                BenchReport.bytes(ResourceUsage.residentBytes), BenchReport.bytes(ResourceUsage.heapInUseBytes),
                                BenchReport.bytes(status.engine.stateBytes)))
            }
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        let cpu = ResourceUsage.processCPUSeconds - cpuBefore
        let status = live.status
        let peak = ResourceUsage.peakResidentBytes - timeline.byteCount
        let logged = configuration.durability?.inputLog?.bytesWritten
        live.stop()
        let checkpoints = live.checkpointsWritten
        let senderResult = sent!
        let phase = BenchReport.Phase(
            targetRate: rate, events: status.engine.events, seconds: elapsed, eventsPerSecond: Double(processed) / elapsed,
            rejected: status.ingest.rejectedTotal, alerts: status.engine.alerts, windowResults: status.engine.windowResults,
            latency: latency.summary, processCPUSeconds: cpu, pipelineCPUSeconds: max(0, cpu - senderResult.cpuSeconds),
            peakResidentBytes: peak, openWindows: status.engine.openWindows, stateBytes: status.engine.stateBytes,
            checkpoints: options.durable ? checkpoints : nil, inputLogBytes: logged,
            longestCloseSeconds: Double(status.longestCloseNanoseconds) / 1e9
        )
        progress(String(format: "  %@ in %.1f s: %@, %d alerts, p99 %@", "\(phase.events)", elapsed,
                        BenchReport.rate(phase.eventsPerSecond), phase.alerts, BenchReport.micros(phase.latency.p99)))
        return phase
    }
}
