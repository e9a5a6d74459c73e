import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation
import Logging
import ZeroMQ

/// `citybrain record`: capture feeds into a recording.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Capture every frame of one or more feeds (topic, payload, receive time) into a recording.",
        discussion: """
        The recording is a directory of segments of checksummed blocks (docs/recording-format.md), \
        flushed every 100 ms; after a crash, reopening it trims the torn tail. Stops after \
        --duration, at --max-size, or on Ctrl-C/SIGTERM (exit 0).

        Example:
          citybrain record --feed tcp://127.0.0.1:5556 --out recordings/monday --duration 3600 --compress
        """
    )

    @Option(name: .long, help: ArgumentHelp("Feed to subscribe to (SUB connects); repeatable.", valueName: "endpoint"))
    var feed: [String] = []

    @Option(name: .long, help: ArgumentHelp("Recording directory (created; an existing recording is continued).", valueName: "path"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(name: .long, help: ArgumentHelp("Stop once the recording holds this much, e.g. 500MB.", valueName: "size"))
    var maxSize: SizeArgument?

    @Option(name: .long, help: ArgumentHelp("Start a new segment after this much (default 64MB).", valueName: "size"))
    var segmentSize: SizeArgument?

    @Flag(name: .long, help: "Compress blocks with zlib.")
    var compress = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard !feed.isEmpty else { throw ValidationError("give at least one --feed ENDPOINT to record") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.record")
        let termination = Termination()
        let writer: RecordingWriter
        do {
            writer = try RecordingWriter(directory: out, sources: feed, compress: compress, segmentBytes: segmentSize?.bytes ?? 64 << 20)
        } catch {
            logger.critical("cannot open the recording \(out): \(error)")
            throw ExitCode.failure
        }
        if writer.trimmedBytes > 0 { logger.warning("trimmed a torn tail of \(writer.trimmedBytes) bytes left by an interrupted recording") }
        let recorder = FeedRecorder(context: try Context(), feeds: feed, writer: writer, maxBytes: maxSize?.bytes, logger: logger)
        do { try recorder.start() } catch {
            logger.critical("cannot subscribe: \(error)")
            throw ExitCode.failure
        }
        logger.info("recording \(feed.joined(separator: ", ")) into \(out)")
        let console = Console()
        let clock = SystemClock(), began = clock.uptimeNanoseconds
        while !termination.wait(seconds: 0.5) {
            let progress = recorder.progress
            let seconds = clock.seconds(since: began)
            console.showStatus("recorded \(progress.frames) frames, \(progress.bytes / 1024) KiB, \(Int(Double(progress.frames) / max(seconds, 0.001)))/s, \(Int(seconds)) s")
            if let duration, seconds >= duration { break }
            if recorder.isFull { break }
        }
        try recorder.stop()
        console.clearStatus()
        let progress = recorder.progress
        logger.info("recorded \(progress.frames) frames\(progress.truncated > 0 ? " (\(progress.truncated) cut to two frames)" : "") into \(out)")
    }
}
