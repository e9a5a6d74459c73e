import ArgumentParser
import CityBrainCore
import CityBrainIO
import CityBrainWeb
import Foundation
import Logging
import ZeroMQ

// `run` on live ZeroMQ feeds: security, reloading on SIGHUP, the status line, a clean stop.
extension RunCommand {
    /// SIGHUP (and with --watch-pipeline, a change to a file) reloads the pipeline files.
    private func installReloading(_ live: LivePipeline, logger: Logger) -> [any DispatchSourceProtocol] {
        let queue = DispatchQueue(label: "citybrain.reload")
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        guard !pipelineOptions.pipeline.isEmpty else {
            hangup.setEventHandler { logger.warning("SIGHUP: nothing to reload; the built-in pipeline is running (start with --pipeline FILE)") }
            hangup.resume()
            return [hangup]
        }
        let reloader = PipelineReloader(paths: pipelineOptions.pipeline, logger: logger) { live.reload($0) }
        hangup.setEventHandler { reloader.reload() }
        hangup.resume()
        guard watchPipeline else { return [hangup] }
        let watch = DispatchSource.makeTimerSource(queue: queue)
        nonisolated(unsafe) var seen = reloader.fileStamps()
        watch.schedule(deadline: .now() + 1, repeating: 1)
        watch.setEventHandler {
            let now = reloader.fileStamps()
            guard now != seen else { return }
            seen = now
            reloader.reload()
        }
        watch.resume()
        return [hangup, watch]
    }

    func runLive(_ pipeline: Pipeline, logger: Logger) throws {
        // Install signal handling first, so a SIGTERM during start-up still drains and exits 0.
        let termination = Termination()
        let context = try Context()
        let console = Console()
        let alertJournal = try openJournal()
        var sinks: [any OutputSink] = []
        if let sink = try outputSink(journal: alertJournal, logger: logger) { sinks.append(sink) }
        if print { sinks.append(AlertConsoleSink(console: console)) }
        var options = FeedReceiver.Options()
        options.maxFrameBytes = maxFrameBytes
        options.format = formats.feedFormat
        options.mapping = try formats.mapping(for: pipeline)
        options.shard = try sharding.filter()
        var topics = topic
        if let shard = options.shard {
            // A shard subscribes to its own districts' topics (unless told which with --topic).
            if topics.isEmpty { topics = shard.plan.topicPrefixes(of: shard.shard, kinds: pipeline.catalogue.kinds.map(\.rawValue)) }
            logger.info("\(Self.describe(shard)); \(topics.count) topic prefix(es)")
        }
        let metrics = MetricsExporter()
        let (live, reloading, server) = try startingUp(logger) { () throws -> (LivePipeline, [any DispatchSourceProtocol], OperationsServer?) in
            var configuration = LivePipeline.Configuration(
                    pipeline: pipeline, feeds: try FeedEndpoints.parse(subscribe: feed, pull: pull, topics: topics),
                    alertEndpoints: alerts.isEmpty ? ["tcp://127.0.0.1:5557"] : alerts, partitions: partitions,
                    deterministic: deterministic, publish: try selection(), receiver: options,
                    deadLetters: try deadLetter.map { try DeadLetterWriter(path: $0) },
                    journal: alertJournal,
                    catchupEndpoints: catchup,
                    curve: try curveOptions.keys()
            )
            configuration.durability = try durable.settings()
            configuration.webhooks = delivery.targets
            configuration.webhookFormat = delivery.alertFormat
            configuration.webhookSignature = try delivery.signature()
            if web.http != nil {
                configuration.handling = try web.policy()
                configuration.overview = true
                configuration.series = true
                configuration.onAlertLatency = { metrics.recordAlertLatency(nanoseconds: $0) }
            }
            let live = try LivePipeline(context: context, configuration: configuration, sinks: sinks, logger: logger)
            // Before the feeds open: a SIGHUP sent once the process is seen subscribing reloads.
            // (A reload asked before start waits for the receive loop to take it.)
            let reloading = installReloading(live, logger: logger)
            if waitForSubscribers > 0, let publisher = live.publisher {
                logger.info("waiting for \(waitForSubscribers) alert subscriber(s)")
                if !publisher.waitForSubscribers(waitForSubscribers, timeoutMilliseconds: 30_000) {
                    logger.warning("fewer than \(waitForSubscribers) alert subscriber(s) after 30 s; starting anyway")
                }
            }
            try live.start()
            return (live, reloading, try web.start(live: live, metrics: metrics, journal: journal, logger: logger))
        }
        if !curveOptions.isEnabled {
            logger.warning("""
                SECURITY: feed, alert and catch-up sockets use the NULL mechanism: no authentication, no encryption. \
                Anyone who can reach them can inject events and read alerts. For local development only \
                (\(insecure ? "--insecure was given" : "loopback endpoints")); use --curve-secret-key and --curve-allow in production.
                """)
        } else {
            logger.info("security: CURVE on feed, alert and catch-up sockets; clients must be on \(curveOptions.curveAllow ?? "the allow-list")")
        }
        let reporter = StatusReporter(console: console, logger: logger) { live.status }
        reporter.start()
        termination.wait()
        reloading.forEach { $0.cancel() }
        reporter.stop()
        server?.stop()
        console.clearStatus()
        logger.info("stopping: draining received events")
        live.stop()
        let status = live.status
        logger.info("""
            stopped: \(status.ingest.accepted) event(s), \(status.ingest.rejectedTotal) rejected\
            \(status.ingest.rejectedTotal > 0 ? " (\(status.ingest.rejectedSummary))" : ""), \(status.engine.lateEvents) late, \
            \(status.ingest.lost) lost in transit (seq gaps), \(status.ingest.shedTotal) shed under overload\
            \(status.ingest.shedTotal > 0 ? " (\(status.ingest.shedSummary))" : ""), \(status.lastSequence) alert(s)\
            \(status.ingest.otherShards > 0 ? ", \(status.ingest.otherShards) event(s) left to other shards" : "")
            """)
    }
}
