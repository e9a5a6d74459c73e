import ArgumentParser
import CityBrainCore
import CityBrainIO
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// `citybrain simulate`: a simulated city publishing feed frames.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Publish a simulated city's sensor feeds, with scripted incidents whose alerts are known.",
        discussion: """
        Traffic segments, garages and air stations in districts report at a steady pace with daily \
        patterns. Every 30 minutes of event time the city has a traffic jam (minutes 2–6), a full \
        garage (3–9), a pollution episode (5–15) and a short jam (12–14), on sensors chosen by \
        the seed; the default pipeline raises and resolves an alert for each.

        Examples:
          citybrain simulate --publish 'tcp://*:5556' --sensors 1000 --rate 5000
          citybrain simulate --output city.jsonl --duration 1800 --speed 1   # 30 simulated minutes to a file
        """
    )

    @Option(name: .long, help: ArgumentHelp("Bind a PUB (XPUB) feed socket here; repeatable. Default: tcp://*:5556.", valueName: "endpoint"))
    var publish: [String] = []

    @Option(name: .long, help: ArgumentHelp("Connect a PUSH socket to a pipeline's --pull endpoint instead of publishing.", valueName: "endpoint"))
    var push: [String] = []

    @Option(name: .long, help: ArgumentHelp("Write the events as JSON lines to this file, as fast as possible, instead of sending them.", valueName: "file"))
    var output: String?

    @Option(name: .long, help: ArgumentHelp("With --output: also write the incidents the simulator scripted as a label file for `citybrain evaluate` (every sensor listed; times in Unix ms).", valueName: "file"))
    var incidents: String?

    @Option(name: .long, help: ArgumentHelp("Stop after this many wall-clock seconds (with --output: generate duration × speed seconds of event time). Default: until Ctrl-C; 1800 with --output.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .long, help: "Wait for this many subscribers before publishing (avoids losing the first events).")
    var waitForSubscribers: Int = 0

    @Option(name: .long, help: ArgumentHelp("What the feed speaks: native (default), senml, senml-cbor (not with --output) or ngsi-ld.", valueName: "format"))
    var feedFormat: FrameEncoding = .native

    @OptionGroup var files: OverwriteOptions
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var curve: CurveClientOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if output != nil, !(publish.isEmpty && push.isEmpty) { throw ValidationError("--output writes a file; do not combine it with --publish or --push") }
        if !publish.isEmpty, !push.isEmpty { throw ValidationError("use --publish or --push, not both") }
        if incidents != nil, output == nil { throw ValidationError("--incidents needs --output (the incidents of a live run are not bounded)") }
        if output != nil, !feedFormat.isText { throw ValidationError("--feed-format senml-cbor is binary and cannot be written as JSON lines; publish or push it, or record it") }
        try files.check([output, incidents])
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.simulate")
        let simulator = simulation.makeSimulator()
        if let output {
            try writeFile(simulator, to: output)
            return
        }
        let transport: FeedTransport = push.isEmpty ? .publish(publish.isEmpty ? ["tcp://*:5556"] : publish) : .push(push)
        let publisher = SimulatorPublisher(context: try Context(), transport: transport, security: try curve.security(), encoding: feedFormat,
                                           logger: logger)
        logger.info("simulating \(simulation.sensors) sensors at \(Int(simulation.rate)) events/s, speed ×\(simulation.speed), report interval \(DurationText.format(simulator.reportInterval)) of event time")
        let termination = Termination()
        let console = Console()
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let thread = Thread { [duration, waitForSubscribers, speed = simulation.speed] in
            do { try publisher.run(simulator, speed: speed, duration: duration, waitForSubscribers: waitForSubscribers) } catch { failure.set(error) }
            finished.signal()
            termination.trigger()
        }
        thread.start()
        let clock = SystemClock(), began = clock.uptimeNanoseconds
        while !termination.wait(seconds: 1) {
            let sent = publisher.sent.load(ordering: .relaxed)
            let seconds = clock.seconds(since: began)
            console.showStatus("sent \(sent) events (\(Int(Double(sent) / max(seconds, 0.001)))/s), \(Int(seconds)) s")
        }
        publisher.stop()
        finished.wait()
        console.clearStatus()
        if let error = failure.error {
            logger.critical("simulator failed: \(error)")
            throw ExitCode.failure
        }
        logger.info("sent \(publisher.sent.load(ordering: .relaxed)) events")
    }

    private func writeFile(_ simulator: CitySimulator, to path: String) throws {
        var simulator = simulator
        let span = Int64((duration ?? 1800) * simulation.speed * 1000)
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot create \(path)")
        }
        defer { try? handle.close() }
        var written = 0
        var horizon = simulator.start
        while horizon < simulator.start + span {
            horizon = min(horizon + 60_000, simulator.start + span)
            let events = simulator.events(until: horizon)
            handle.write(Data(feedFormat.jsonLines(events)))
            written += events.count
        }
        FileHandle.standardError.write(Data("wrote \(written) events covering \(DurationText.format(span)) of event time to \(path)\n".utf8))
        if let incidents { try writeIncidents(simulator, until: simulator.start + span, to: incidents) }
    }

    /// The scripted incidents of every 30-minute cycle in `[start, end)`, clipped to it.
    private func writeIncidents(_ simulator: CitySimulator, until end: Int64, to path: String) throws {
        var windows: [LabelledWindow] = []
        var cycleStart = simulator.start
        var seen = Set<Incident>()
        while cycleStart < end {
            for incident in simulator.incidents(inCycleAt: cycleStart) where seen.insert(incident).inserted && incident.start < end {
                windows.append(LabelledWindow(sensor: incident.sensor, start: max(incident.start, simulator.start), end: min(incident.end, end) - 1))
            }
            cycleStart += CitySimulator.cycleLength
        }
        do {
            try LabelFile.json(windows: windows, sensors: simulator.sensors.map(\.id)).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(path): \((error as NSError).localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(windows.count) scripted incident(s) to \(path)\n".utf8))
    }
}

/// Carries an error out of a worker thread.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?
    func set(_ error: any Error) { lock.withLock { stored = error } }
    var error: (any Error)? { lock.withLock { stored } }
}
