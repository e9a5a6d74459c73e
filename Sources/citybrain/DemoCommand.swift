import ArgumentParser
import CityBrainCore
import CityBrainIO
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
        raised within seconds. Add --alerts tcp://127.0.0.1:5557 to watch the same stream with \
        `citybrain tail` from another terminal. Ctrl-C stops it.
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

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed must be between 0 and 10000") }
        guard sensors >= 6 else { throw ValidationError("--sensors must be at least 6") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.demo")
        let pipeline = try pipelineOptions.load()
        let context = try Context()
        let console = Console()
        let feedEndpoint = "inproc://citybrain-demo-feed"
        let alertEndpoint = "inproc://citybrain-demo-alerts"

        let live = try LivePipeline(
            context: context,
            configuration: .init(pipeline: pipeline, feeds: FeedEndpoints(subscribe: [feedEndpoint]), alertEndpoints: [alertEndpoint] + alerts),
            logger: logger
        )
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
        let reporter = StatusReporter(console: console, logger: logger) { live.status }
        reporter.start()
        termination.wait(seconds: duration)
        publisher.stop()
        finished.wait()
        reporter.stop()
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
}
