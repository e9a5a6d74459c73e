import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation

/// `citybrain import`: turn a real city data set into a recording of native events.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn one of the real city data sets (CSV) into a recording (or JSON lines) of native events.",
        discussion: """
        Data sets: \(RealDataset.allCases.map(\.rawValue).joined(separator: ", ")). The column mapping, units and \
        time zones are documented in docs/real-data.md. Rows the wire decoder would reject (e.g. \
        negative occupancy) are left out and counted by reason. Each frame's receive time is the \
        event time, so a replay paces the data as it happened.

        Example:
          citybrain import parking-birmingham --out recordings/birmingham
          citybrain run --input recordings/birmingham --deterministic
        """
    )

    @Argument(help: ArgumentHelp("The data set: \(RealDataset.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "dataset"))
    var dataset: String

    @Option(name: .long, help: ArgumentHelp("Folder holding the data sets.", valueName: "path"))
    var data: String = "../shared/data"

    @Option(name: .long, help: ArgumentHelp("Where to write: a recording directory, or a .jsonl file with --format jsonl.", valueName: "path"))
    var out: String

    @Option(name: .long, help: "recording (default) or jsonl.")
    var format: String = "recording"

    @Option(name: .long, help: ArgumentHelp("Keep only these sensors (ids as imported, comma-separated).", valueName: "sensors"))
    var only: String?

    @Option(name: .long, help: ArgumentHelp("How each event is written: native (default), senml, senml-cbor (recordings only) or ngsi-ld.", valueName: "format"))
    var feedFormat: FrameEncoding = .native

    @OptionGroup var files: OverwriteOptions

    func validate() throws {
        guard RealDataset(rawValue: dataset) != nil else {
            let names = RealDataset.allCases.map(\.rawValue)
            throw ValidationError("unknown data set '\(dataset)'\(Suggestion.hint(for: dataset, in: names)); expected one of \(names.joined(separator: ", "))")
        }
        guard ["recording", "jsonl"].contains(format) else { throw ValidationError("--format takes recording or jsonl, not '\(format)'") }
        if format == "jsonl", !feedFormat.isText { throw ValidationError("--feed-format senml-cbor is binary: write it to a recording (--format recording)") }
        try files.check([out])
    }

    func run() throws {
        let set = RealDataset(rawValue: dataset)!
        var result: ImportResult
        do {
            result = try set.load(from: URL(fileURLWithPath: data))
        } catch {
            FileHandle.standardError.write(Data("cannot read \(dataset) under \(data): \(error.localizedDescription)\n".utf8))
            throw ExitCode.failure
        }
        if let only {
            let keep = Set(only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
            result.events = result.events.filter { keep.contains($0.sensor) }
        }
        if format == "jsonl" {
            guard FileManager.default.createFile(atPath: out, contents: Data(feedFormat.jsonLines(result.events))) else {
                FileHandle.standardError.write(Data("cannot write \(out)\n".utf8))
                throw ExitCode.failure
            }
        } else {
            try? FileManager.default.removeItem(atPath: out)  // only with --overwrite: validate() refused otherwise
            let writer = try RecordingWriter(directory: out, sources: ["import:\(dataset)"], compress: true)
            for event in result.events {
                guard let frame = feedFormat.encode(event) else { continue }
                try writer.append(RecordedFrame(receivedAt: event.timestamp, topic: Array(FeedTopic.topic(for: event).utf8), payload: frame))
            }
            try writer.close()
        }
        let sensors = Set(result.events.map(\.sensor)).count
        var report = "imported \(result.events.count) events from \(sensors) sensor(s) of \(dataset) into \(out)"
        if let first = result.events.first, let last = result.events.last {
            report += ", \(EventTime.iso8601(first.timestamp)) to \(EventTime.iso8601(last.timestamp))"
        }
        for (reason, count) in result.skipped.sorted(by: { $0.key < $1.key }) {
            report += "\nskipped \(count) row(s): \(reason) (first at line \(result.examples[reason] ?? 0))"
        }
        FileHandle.standardError.write(Data((report + "\n").utf8))
    }
}
