import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation

/// `citybrain checkpoint`: look into a checkpoint directory.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Look into the checkpoints a run keeps (run --checkpoint DIR).",
        subcommands: [Inspect.self],
        defaultSubcommand: Inspect.self
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Print what each checkpoint in a directory holds: input position, time, sensors, windows, open alerts, size.",
            discussion: """
            Every file is read whole and its checksum checked; a torn or corrupt one is listed with the reason \
            (a restart passes over it and uses the one before). Exit code 0 when the newest checkpoint is usable, \
            1 when none is.

            Example:
              citybrain checkpoint inspect /var/lib/citybrain/checkpoints
            """
        )

        @Argument(help: ArgumentHelp("The checkpoint directory.", valueName: "dir"))
        var directory: String

        @Flag(name: .long, help: "One JSON object per checkpoint instead of text.")
        var json = false

        func run() throws {
            guard FileManager.default.fileExists(atPath: directory) else {
                FileHandle.standardError.write(Data("no such directory: \(directory)\n".utf8))
                throw ExitCode.failure
            }
            let store = try CheckpointStore(directory: directory)
            let files = try store.files()
            guard !files.isEmpty else {
                FileHandle.standardError.write(Data("\(directory): no checkpoints\n".utf8))
                throw ExitCode.failure
            }
            var newestUsable = false
            for (index, url) in files.enumerated().reversed() {
                let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                do {
                    let checkpoint = try CheckpointFile.read(url)
                    if index == files.count - 1 { newestUsable = true }
                    print(json ? Self.json(checkpoint, file: url.lastPathComponent, size: size) : Self.text(checkpoint, file: url.lastPathComponent, size: size))
                } catch {
                    var writer = JSONObjectWriter()
                    writer.field("file", url.lastPathComponent)
                    writer.field("error", "\(error)")
                    print(json ? writer.finish() : "\(url.lastPathComponent): NOT USABLE: \(error)")
                }
            }
            if !newestUsable { throw ExitCode.failure }
        }

        static func text(_ checkpoint: Checkpoint, file: String, size: Int) -> String {
            let statistics = checkpoint.engine.statistics
            let pipeline = checkpoint.pipeline.map(\.name).joined(separator: ", ")
            return """
                \(file): \(size) bytes, taken \(EventTime.iso8601(checkpoint.createdAt))
                  input:        \(checkpoint.input) read
                  alerts:       \(checkpoint.lastSequence) numbered before it; \(statistics.openAlerts) open
                  watermark:    \(statistics.watermark.map(EventTime.iso8601) ?? "none yet")
                  events:       \(statistics.events) (\(statistics.lateEvents) late)
                  keys:         \(statistics.keys) sensor(s) and district(s) holding state, \(statistics.openWindows) open window(s)
                  partitions:   \(checkpoint.engine.partitionCount), paused \(String(format: "%.1f", Double(checkpoint.engine.pauseNanoseconds) / 1e6)) ms to capture their state
                  pipeline:     \(pipeline.isEmpty ? "built in code" : pipeline)
                """
        }

        static func json(_ checkpoint: Checkpoint, file: String, size: Int) -> String {
            let statistics = checkpoint.engine.statistics
            var writer = JSONObjectWriter()
            writer.field("file", file)
            writer.field("bytes", Int64(size))
            writer.field("created", checkpoint.createdAt)
            writer.field("input_segment", Int64(checkpoint.input.segment))
            writer.field("input_frame", Int64(checkpoint.input.frame))
            writer.field("last_seq", Int64(checkpoint.lastSequence))
            if let watermark = statistics.watermark { writer.field("watermark", watermark) }
            writer.field("events", Int64(statistics.events))
            writer.field("keys", Int64(statistics.keys))
            writer.field("open_windows", Int64(statistics.openWindows))
            writer.field("open_alerts", Int64(statistics.openAlerts))
            writer.field("partitions", Int64(checkpoint.engine.partitionCount))
            writer.field("pause_ms", Double(checkpoint.engine.pauseNanoseconds) / 1e6)
            writer.field("pipeline", strings: checkpoint.pipeline.map(\.name))
            return writer.finish()
        }
    }
}
