import ArgumentParser
import CityBrainCore
import CityBrainHandling
import CityBrainIO
import CityBrainWeb
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// `citybrain demo`: simulator + pipeline + alert viewer in one process.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch CityBrain work: a simulated city feeds the default pipeline and its alerts appear live.",
        discussion: """
        Everything runs in one process over real ZeroMQ sockets (inproc): the simulator publishes \
        feed frames, the pipeline subscribes, and an alert subscriber prints what the pipeline \
        publishes. Event time runs 60 times faster than the clock, so the first incidents are \
        raised within seconds. The operations page is served on http://127.0.0.1:8080/ (or a free \
        port if that one is taken; --no-http leaves it out), with a token for this run printed \
        beside it so you can acknowledge, assign and resolve alerts. Add --alerts \
        tcp://127.0.0.1:5557 to watch the same stream with `citybrain tail` from another terminal. \
        Ctrl-C stops it.
        """
    )

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("Also publish the alert stream here, e.g. tcp://127.0.0.1:5557.", valueName: "endpoint"))
    var alerts: [String] = []

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds. Default: until Ctrl-C.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .long, help: "Event time runs this many times faster than the wall clock.")
    var speed: Double = 60

    @Option(name: .long, help: "Sensors in the simulated city.")
    var sensors: Int = 300

    @Option(name: .long, help: "Seed for the city's layout and incidents.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("Serve the operations page here (loopback only; port 0 picks a free one).", valueName: "host:port"))
    var http = "127.0.0.1:8080"

    @Flag(name: .long, help: "Do not serve the operations page.")
    var noHttp = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed must be between 0 and 10000") }
        guard sensors >= 6 else { throw ValidationError("--sensors must be at least 6") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        guard let (host, _) = OperationsServer.parse(address: http) else {
            throw ValidationError("--http takes host:port, e.g. 127.0.0.1:8080, not '\(http)'")
        }
        guard OperationsServer.isLoopback(host) else {
            throw ValidationError("--http \(http): the demo serves the page on loopback only (use `citybrain run --http` for more)")
        }
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.demo")
        let pipeline = try pipelineOptions.load()
        let context = try Context()
        let console = Console()
        let feedEndpoint = "inproc://citybrain-demo-feed"
        let alertEndpoint = "inproc://citybrain-demo-alerts"

        var configuration = LivePipeline.Configuration(pipeline: pipeline, feeds: FeedEndpoints(subscribe: [feedEndpoint]),
                                                       alertEndpoints: [alertEndpoint] + alerts)
        if !noHttp {
            configuration.handling = HandlingPolicy()
            configuration.overview = true
            configuration.series = true
        }
        let live = try LivePipeline(context: context, configuration: configuration, logger: logger)
        let formatter = AlertLineFormatter(colour: console.stdoutIsTerminal)
        let viewer = AlertSubscriber(context: context, endpoints: [alertEndpoint], logger: logger) { alert, _ in
            console.print(formatter.format(alert))
        }
        try viewer.start()
        _ = live.publisher?.waitForSubscribers(1, timeoutMilliseconds: 2_000)
        try live.start()

        // Every sensor reports every 6 s of event time.
        let simulator = CitySimulator(sensors: sensors, seed: seed, start: SimulationOptions.recentFiveMinuteBoundary(), reportInterval: 6_000)
        let eventSpeed = speed
        let publisher = SimulatorPublisher(context: context, transport: .publish([feedEndpoint]), logger: logger)
        let termination = Termination()
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let thread = Thread {
            do { try publisher.run(simulator, speed: eventSpeed, duration: nil, waitForSubscribers: 1) } catch { failure.set(error) }
            finished.signal()
            termination.trigger()
        }
        thread.start()

        console.print("CityBrain demo: \(sensors) simulated sensors, event time ×\(Int(speed)); incidents every 30 simulated minutes. Ctrl-C to stop.")
        let server = noHttp ? nil : try startPage(live: live, logger: logger, console: console)
        let reporter = StatusReporter(console: console, logger: logger) { live.status }
        reporter.start()
        termination.wait(seconds: duration)
        publisher.stop()
        finished.wait()
        reporter.stop()
        server?.stop()
        live.stop()
        viewer.stop()
        console.clearStatus()
        if let error = failure.error {
            logger.critical("simulator failed: \(error)")
            throw ExitCode.failure
        }
        let status = live.status
        console.print("demo stopped: \(status.ingest.accepted) events, \(status.lastSequence) alerts")
    }

    /// Serves the operations page on `--http` (a free port if that one is taken) with a token made
    /// for this run, and prints where.
    private func startPage(live: LivePipeline, logger: Logger, console: Console) throws -> OperationsServer? {
        guard let (host, port) = OperationsServer.parse(address: http), let sources = OperationsSources(live: live, journalDirectory: nil) else {
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let text = bytes.map { String(format: "%02x", $0) }.joined()
        let token = try AccessToken(text)
        let api = OperationsAPI(sources: sources, token: token, metrics: MetricsExporter())
        var server = OperationsServer(api: api, host: host, port: port, logger: logger)
        do {
            try server.start()
        } catch let error as OperationsServerError where port != 0 {
            logger.notice("\(host):\(port) is not free (\(error)); serving the page on a free port instead")
            server = OperationsServer(api: api, host: host, port: 0, logger: logger)
            try server.start()
        }
        let shown = host.contains(":") ? "[\(host)]" : host
        console.print("Operations page: http://\(shown):\(server.listeningPort ?? port)/  (token for acting on alerts: \(text))")
        return server
    }
}
