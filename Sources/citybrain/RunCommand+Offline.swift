import ArgumentParser
import CityBrainCore
import CityBrainIO
import CityBrainWeb
import Foundation
import Logging
import ZeroMQ

// `run --input`: the pipeline over a file or a recording, as fast as it goes.
extension RunCommand {
    func runOffline(_ pipeline: Pipeline, input: String, logger: Logger) throws {
        let alertJournal = try openJournal()
        var sinks: [any OutputSink] = [try outputSink(journal: alertJournal, logger: logger) ?? RecordLineWriter(selection: try selection(), format: alertFormat)]
        if !alerts.isEmpty {
            // The publisher's socket keeps its context alive until the sink is closed.
            sinks.append(try AlertPublisher(context: try Context(), endpoints: alerts, selection: try selection(), logger: logger))
        }
        let summary: OfflineRun.Summary
        do {
            summary = try OfflineRun.run(
                pipeline: pipeline, input: try OfflineRun.Input.open(input, from: from?.milliseconds, to: to?.milliseconds), sinks: sinks,
                partitions: partitions, deterministic: deterministic, deadLetters: try deadLetter.map(DeadLetterWriter.init(path:)),
                emitScores: try selection().contains(.scores), decodingThreads: decodingThreads, journal: alertJournal, durability: try durable.settings(),
                format: formats.feedFormat, mapping: try formats.mapping(for: pipeline), logger: logger
            )
        } catch let error as RecoveryError {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        let rejected = summary.ingest.rejectedTotal
        logger.info("""
            done: \(summary.ingest.accepted) event(s), \(rejected) rejected\(rejected > 0 ? " (\(summary.ingest.rejectedSummary))" : ""), \
            \(summary.engine.lateEvents) late, \(summary.engine.windowResults) window result(s), \(summary.engine.alerts) alert(s)\
            \(summary.engine.outOfRangeReadings > 0 ? ", \(summary.engine.outOfRangeReadings) reading(s) outside their declared range" : "")
            """)
    }

    /// Whether an endpoint is reachable only from this machine.
    static func isLocal(_ endpoint: String) -> Bool {
        endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") || endpoint.hasPrefix("tcp://127.")
            || endpoint.hasPrefix("tcp://localhost:") || endpoint.hasPrefix("tcp://[::1]:")
    }
}
