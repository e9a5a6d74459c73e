import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation
import Logging

/// `citybrain evaluate`: runs a pipeline over a recorded feed and scores its alerts against
/// labelled anomaly windows.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a pipeline's alerts on a recorded feed against labelled anomaly windows.",
        discussion: """
        Runs the pipeline over --input (JSON lines or a recording) as `run --input` does, then, per rule, \
        counts the labelled windows it found (a raise for the window's sensor, at the triggering reading's \
        event time, inside the window), those it missed, its false alerts (raises on a labelled sensor outside \
        every window) and the detection delay from the window's start. Alerts about sensors without labels \
        are not counted. The last row, '*', is all rules together.

        The label file maps sensor ids to lists of [start, end] pairs (NAB's format), times as Unix ms or \
        'yyyy-MM-dd HH:mm:ss' in --labels-timezone:
          {"mn-7578": [["2015-09-15 13:50:00", "2015-09-15 15:20:00"]]}

        Example:
          citybrain import traffic-minnesota --format jsonl --out mn.jsonl
          citybrain evaluate --input mn.jsonl --labels mn-labels.json --labels-timezone America/Chicago

        Exit code 0 when the run and the scoring succeeded (whatever the score), 1 on bad input.
        """
    )

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("The recorded feed: JSON lines or a recording directory.", valueName: "path"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("The label file (JSON: sensor → [[start, end], …]).", valueName: "file"))
    var labels: String

    @Option(name: .long, help: ArgumentHelp("Time zone of label times written without an offset (an IANA name or +01:00).", valueName: "zone"))
    var labelsTimezone = "UTC"

    @Option(name: .long, help: ArgumentHelp("Score only this rule (repeatable); default: every rule that raised on a labelled sensor.", valueName: "name"))
    var rule: [String] = []

    @Flag(name: .long, help: "Print the scores as JSON instead of a table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        let logger = common.makeLogger("citybrain.evaluate")
        let pipeline = try pipelineOptions.load()
        let labelFile: LabelFile.Labels
        do { labelFile = try LabelFile.read(labels, timeZone: labelsTimezone) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        let known = Set(pipeline.rules.map(\.name) + pipeline.correlations.map(\.name) + ["storm"])
        for name in rule where !known.contains(name) {
            throw ValidationError("unknown rule '\(name)'\(Suggestion.hint(for: name, in: known.sorted()))")
        }
        let collector = AlertCollector()
        let summary = try OfflineRun.run(pipeline: pipeline, input: try OfflineRun.Input.open(input), sinks: [collector],
                                         deterministic: true, logger: logger)
        logger.info("evaluated \(summary.ingest.accepted) event(s) against \(labelFile.windows.count) labelled window(s) of \(labelFile.sensors.count) sensor(s)")
        let alerts = rule.isEmpty ? collector.alerts : collector.alerts.filter { rule.contains($0.rule) }
        let scores = DetectionEvaluation.score(alerts: alerts, labels: labelFile.windows, labelledSensors: labelFile.sensors)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(scores), as: UTF8.self))
        } else {
            print(Self.table(scores))
        }
    }

    static func table(_ scores: [RuleDetectionScore]) -> String {
        let header = ["rule", "windows", "found", "missed", "false", "median delay"]
        let rows = scores.map { score in
            [score.rule, "\(score.windows)", "\(score.found)", "\(score.missed)", "\(score.falseAlerts)",
             score.medianDelay.map { DurationText.format($0) } ?? "-"]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                           : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
