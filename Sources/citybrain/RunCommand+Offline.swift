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
        var sinks: [any OutputSink] = [try outputSink(journal: alertJournal, logger: logger) ?? RecordLineWriter(selection: try selection(), format: delivery.alertFormat)]
        let shard = try sharding.filter()
        if let shard { logger.info("\(Self.describe(shard))") }
        // Installed before the run, so a SIGTERM while serving (or reading) ends it cleanly.
        let termination = keepServing || follow ? Termination() : nil
        let follower = follow ? RecordingFollower(directory: input) : nil
        if let follower, let termination {
            Thread.detachNewThread {
                termination.wait()
                follower.stop()
            }
            logger.info("following \(input) as it grows; SIGINT or SIGTERM stops")
        }
        var publisher: AlertPublisher?
        var server: JournalServer?
        if !alerts.isEmpty || !catchup.isEmpty {
            // The publisher's socket keeps its context alive until it is closed.
            let context = try Context()
            try startingUp(logger) {
                if !alerts.isEmpty { publisher = try AlertPublisher(context: context, endpoints: alerts, selection: try selection(), logger: logger) }
                if let alertJournal {
                    server = JournalServer(context: context, publisher: publisher, catchupEndpoints: catchup, journal: alertJournal, logger: logger)
                    try server?.start()
                }
            }
            // With --keep-serving the stream outlives the run, so the run must not close it.
            if let publisher { sinks.append(keepServing ? SinkKeptOpen(publisher) : publisher) }
        }
        defer {
            server?.stop()
            publisher?.close()
        }
        let summary: OfflineRun.Summary
        do {
            summary = try OfflineRun.run(
                pipeline: pipeline, input: try follower.map(OfflineRun.Input.following) ?? OfflineRun.Input.open(input, from: from?.milliseconds, to: to?.milliseconds),
                sinks: sinks,
                partitions: partitions, deterministic: deterministic, deadLetters: try deadLetter.map { try DeadLetterWriter(path: $0) },
                emitScores: try selection().contains(.scores), decodingThreads: decodingThreads, journal: alertJournal, durability: try durable.settings(),
                format: formats.feedFormat, mapping: try formats.mapping(for: pipeline), shard: shard, logger: logger
            )
        } catch let error as RecoveryError {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        let rejected = summary.ingest.rejectedTotal
        logger.info("""
            done: \(summary.ingest.accepted) event(s), \(rejected) rejected\(rejected > 0 ? " (\(summary.ingest.rejectedSummary))" : ""), \
            \(summary.engine.lateEvents) late, \(summary.engine.windowResults) window result(s), \(summary.engine.alerts) alert(s)\
            \(summary.engine.outOfRangeReadings > 0 ? ", \(summary.engine.outOfRangeReadings) reading(s) outside their declared range" : "")\
            \(summary.ingest.otherShards > 0 ? ", \(summary.ingest.otherShards) left to other shards" : "")
            """)
        if keepServing, let termination {
            logger.info("input read; serving the alert stream and catch-up (\(catchup.joined(separator: ", "))) until SIGINT or SIGTERM")
            termination.wait()
        }
    }

    /// `shard shard-1 of 3: 4 district(s) (d02, d05, d07, d11)`.
    static func describe(_ shard: ShardFilter) -> String {
        let districts = shard.plan.districts(of: shard.shard)
        return "shard \(shard.shard) of \(shard.plan.shards.count): \(districts.count) district(s) (\(districts.joined(separator: ", ")))"
    }

    /// Whether an endpoint is reachable only from this machine.
    static func isLocal(_ endpoint: String) -> Bool {
        endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") || endpoint.hasPrefix("tcp://127.")
            || endpoint.hasPrefix("tcp://localhost:") || endpoint.hasPrefix("tcp://[::1]:")
    }
}


/// Hands records to a sink but leaves closing it to its owner: the alert publisher of a
/// `--keep-serving` run outlives the run that writes to it.
private struct SinkKeptOpen: OutputSink {
    let sink: any OutputSink

    init(_ sink: any OutputSink) {
        self.sink = sink
    }

    func deliver(_ records: [OutputRecord]) { sink.deliver(records) }
    func deliver(_ batch: OutputBatch) { sink.deliver(batch) }
    func close() {}
}
