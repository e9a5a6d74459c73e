import ArgumentParser
import CityBrainCore
import CityBrainIO
import Dispatch
import Foundation
import Logging
import ZeroMQ

/// `citybrain replay`: publish a recording again.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Publish a recording with its original pacing, faster, or as fast as possible.",
        discussion: """
        Frames are sent as recorded (topic and payload), spaced by their original receive-time \
        gaps divided by --speed. Alerts depend on event time only, so a live `citybrain run` fed \
        by a replay gives the same alerts at any speed.

        Examples:
          citybrain replay recordings/monday --publish 'tcp://*:5556' --speed 10
          citybrain replay recordings/monday --push tcp://127.0.0.1:5560 --speed max --from 2024-11-22T08:00:00Z
        """
    )

    @Argument(help: ArgumentHelp("The recording directory (or one segment).", valueName: "path"))
    var path: String

    @Option(name: .long, help: ArgumentHelp("Bind a PUB (XPUB) socket here; repeatable. Default: tcp://*:5556.", valueName: "endpoint"))
    var publish: [String] = []

    @Option(name: .long, help: ArgumentHelp("Connect a PUSH socket to a pipeline's --pull endpoint instead.", valueName: "endpoint"))
    var push: [String] = []

    @Option(name: .long, help: ArgumentHelp("1 for the original pacing, 10 for ten times faster, max for no pacing.", valueName: "speed"))
    var speed: String = "1"

    @Option(name: .long, help: ArgumentHelp("Only frames received at or after this time (Unix ms or ISO 8601).", valueName: "time"))
    var from: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("Only frames received at or before this time.", valueName: "time"))
    var to: TimeArgument?

    @Flag(name: .long, help: "Start again at the end, until stopped.")
    var loop = false

    @Option(name: .long, help: "Wait for this many subscribers before sending (with --publish).")
    var waitForSubscribers: Int = 0

    @OptionGroup var curve: CurveClientOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard speedFactor != nil || speed == "max" else { throw ValidationError("--speed takes a positive number or max, not '\(speed)'") }
        if !publish.isEmpty, !push.isEmpty { throw ValidationError("use --publish or --push, not both") }
    }

    var speedFactor: Double? {
        guard let value = Double(speed), value > 0, value.isFinite else { return nil }
        return value
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.replay")
        let reader: RecordingReader
        do { reader = try RecordingReader(path: path) } catch {
            logger.critical("\(error.localizedDescription)")
            throw ExitCode.failure
        }
        let transport: FeedTransport = push.isEmpty ? .publish(publish.isEmpty ? ["tcp://*:5556"] : publish) : .push(push)
        let replayer = RecordingReplayer(context: try Context(), transport: transport, security: try curve.security(), logger: logger)
        let termination = Termination()
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let clock = SystemClock(), began = clock.uptimeNanoseconds
        let thread = Thread { [speedFactor, from, to, loop, waitForSubscribers] in
            do {
                try replayer.run(reader, speed: speedFactor, from: from?.milliseconds, to: to?.milliseconds, loops: loop ? nil : 1,
                                 waitForSubscribers: waitForSubscribers)
            } catch { failure.set(error) }
            finished.signal()
            termination.trigger()
        }
        thread.start()
        let console = Console()
        while !termination.wait(seconds: 0.5) {
            console.showStatus(Self.progressLine(replayer.progress, seconds: clock.seconds(since: began), loop: loop))
        }
        replayer.stop()
        finished.wait()
        console.clearStatus()
        if let error = failure.error {
            logger.critical("replay failed: \(error)")
            throw ExitCode.failure
        }
        let seconds = clock.seconds(since: began)
        let published = replayer.progress.published
        logger.info("replayed \(published) frames in \(String(format: "%.1f", seconds)) s (\(Int(Double(published) / max(seconds, 0.001))) frames/s)")
    }

    /// `[#########-----------] 45 %  12,345 frames  3,210/s  ETA 12 s`.
    static func progressLine(_ progress: RecordingReplayer.Progress, seconds: Double, loop: Bool) -> String {
        let fraction = min(max(progress.fraction, 0), 1)
        let filled = Int(fraction * 20)
        let rate = Double(progress.published) / max(seconds, 0.001)
        let eta = fraction > 0 && !loop ? " ETA \(Int(seconds / fraction - seconds)) s" : ""
        return "[\(String(repeating: "#", count: filled))\(String(repeating: "-", count: 20 - filled))] \(Int(fraction * 100)) %  \(progress.published) frames  \(Int(rate))/s\(eta)"
    }
}
