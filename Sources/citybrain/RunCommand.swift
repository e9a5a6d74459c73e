import ArgumentParser
import CityBrainCore
import CityBrainIO
import CityBrainWeb
import Foundation
import Logging
import ZeroMQ

/// `citybrain run`: the pipeline, on live ZeroMQ feeds or on a file.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline on live ZeroMQ feeds (--feed/--pull) or on a JSON-lines file (--input).",
        discussion: """
        Live: SUB sockets connect to every --feed, a PULL socket binds every --pull, alerts are \
        published on an XPUB bound at --alerts, and a status line shows progress. SIGHUP reloads \
        the --pipeline files: rules that did not change keep their state, a file with errors is \
        rejected and the running rules carry on. SIGINT or SIGTERM drains what was received, \
        publishes its alerts and exits 0.

        Offline (--input): a recording made by `citybrain record`, or events one JSON object per \
        line ('-' for standard input), go through the same pipeline code as live input, as fast \
        as possible; at the end of the input every window closes. Alerts are written as JSON \
        lines to --output (default standard output).

        Examples:
          citybrain run --feed tcp://127.0.0.1:5556 --alerts tcp://127.0.0.1:5557
          citybrain run --pipeline Pipelines/city.yaml --input feed.jsonl --deterministic
        """
    )

    @OptionGroup var pipelineOptions: PipelineOptions

    @Option(name: .long, help: ArgumentHelp("Feed to subscribe to (SUB connects); repeatable.", valueName: "endpoint"))
    var feed: [String] = []

    @Option(name: .long, help: ArgumentHelp("Endpoint to bind a PULL feed socket on (senders get backpressure); repeatable.", valueName: "endpoint"))
    var pull: [String] = []

    @Option(name: .long, help: ArgumentHelp("Subscribe only to feed topics with this prefix, e.g. traffic.d07.; repeatable.", valueName: "prefix"))
    var topic: [String] = []

    @Option(name: .long, help: ArgumentHelp("Endpoint to bind the alert stream (XPUB) on; repeatable. Live default: tcp://127.0.0.1:5557.", valueName: "endpoint"))
    var alerts: [String] = []

    @Option(name: .long, help: ArgumentHelp("Read events from a recording (citybrain record) or a JSON-lines file instead of sockets ('-' for standard input).", valueName: "path"))
    var input: String?

    @Option(name: .long, help: ArgumentHelp("With a recording as --input: only frames received at or after this time (Unix ms or ISO 8601).", valueName: "time"))
    var from: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("With a recording as --input: only frames received at or before this time.", valueName: "time"))
    var to: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("Write alerts as JSON lines here ('-' for standard output); an existing file is appended to, never truncated, so a restart keeps what an earlier run wrote. Default with --input: standard output.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Also print each alert as a readable line on standard output (live mode).")
    var print = false

    @Option(name: .long, help: "Partitions (serial queues) the keys are spread over. Default: the number of cores.")
    var partitions: Int = ProcessInfoCores.active

    @Option(name: .long, help: "With --input: threads decoding the file (the output does not depend on it). Default: the number of cores.")
    var decodingThreads: Int = ProcessInfoCores.active

    @Option(name: .long, help: "Largest JSON frame accepted, in bytes; larger frames are rejected and counted.")
    var maxFrameBytes: Int = 64 * 1024

    @Flag(name: .long, help: "Leave the wall-clock emitted_at out of alerts, so output depends on the input only.")
    var deterministic = false

    @Option(name: .long, help: ArgumentHelp("What to write and publish: alerts, windows (window results), late (late events), scores (every reading's anomaly score: expected value, spread, z; one record per reading) or all (all but scores); comma-separated or repeated. Default: alerts.", valueName: "kinds"))
    var emit: [String] = []

    // Named like `replay --wait-for-subscribers`; `--await-subscribers` stays for scripts that use it.
    @Option(name: [.customLong("wait-for-subscribers"), .customLong("await-subscribers")],
            help: "Before reading feeds, wait up to 30 s for this many alert-stream subscriptions, so the first alerts reach them.")
    var waitForSubscribers: Int = 0

    @Option(name: .long, help: ArgumentHelp("Append every rejected frame, with its reason, to this JSON-lines file.", valueName: "file"))
    var deadLetter: String?

    @Option(name: .long, help: ArgumentHelp("Keep an alert journal in this directory: alerts are written (and synced) before they are published; numbering continues across restarts.", valueName: "path"))
    var journal: String?

    @Option(name: .long, help: "When journal writes reach the disk: batch (fsync before each publish, the default) or none (left to the OS).")
    var journalSync: String = "batch"

    @Option(name: .long, help: ArgumentHelp("Delete journal segments older than this, e.g. 7d.", valueName: "duration"))
    var journalRetention: String?

    @Option(name: .long, help: ArgumentHelp("Bind a ROUTER answering 'after <seq>' catch-up requests from the journal; repeatable (needs --journal).", valueName: "endpoint"))
    var catchup: [String] = []

    @Option(name: .long, help: ArgumentHelp("CURVE: this pipeline's key pair (citybrain keygen); feed, alert and catch-up sockets then admit only --curve-allow keys.", valueName: "file"))
    var curveSecretKey: String?

    @Option(name: .long, help: ArgumentHelp("CURVE: public keys of the publishers and consumers allowed in, one per line.", valueName: "file"))
    var curveAllow: String?

    @Flag(name: .long, help: "Use the NULL mechanism (no authentication) on endpoints other than loopback, ipc and inproc. Development only.")
    var insecure = false

    @Flag(name: .long, help: "Reload the pipeline files when they change (they are always reloaded on SIGHUP).")
    var watchPipeline = false

    @OptionGroup var durable: DurabilityOptions

    @OptionGroup var web: HTTPOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if input != nil, web.http != nil { throw ValidationError("--http serves a live run; it cannot be combined with --input") }
        if input != nil, !(feed.isEmpty && pull.isEmpty) {
            throw ValidationError("give either --input FILE or live feeds (--feed/--pull), not both")
        }
        if input == nil, feed.isEmpty, pull.isEmpty {
            throw ValidationError("nothing to read: give --feed ENDPOINT (e.g. tcp://127.0.0.1:5556), --pull ENDPOINT, or --input FILE")
        }
        guard partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
        guard decodingThreads > 0, decodingThreads <= 256 else { throw ValidationError("--decoding-threads must be between 1 and 256") }
        guard maxFrameBytes > 0 else { throw ValidationError("--max-frame-bytes must be positive") }
        guard waitForSubscribers >= 0 else { throw ValidationError("--wait-for-subscribers must not be negative") }
        if !catchup.isEmpty, journal == nil { throw ValidationError("--catchup serves alerts from the journal: add --journal DIR") }
        if (curveSecretKey == nil) != (curveAllow == nil) { throw ValidationError("CURVE needs both --curve-secret-key and --curve-allow") }
        if input == nil, curveSecretKey == nil, !insecure {
            let exposed = (feed + pull + (alerts.isEmpty ? ["tcp://127.0.0.1:5557"] : alerts) + catchup).filter { !Self.isLocal($0) }
            if let endpoint = exposed.first {
                throw ValidationError("""
                    \(endpoint) is reachable from other machines, and without CURVE anyone could connect: give \
                    --curve-secret-key and --curve-allow (see citybrain keygen), use a loopback address, or pass --insecure
                    """)
            }
        }
        if durable.inputLog != nil, input != nil { throw ValidationError("--input-log logs live feeds; a run on --input resumes from the file itself") }
        guard AlertJournal.SyncPolicy(rawValue: journalSync) != nil else { throw ValidationError("--journal-sync takes batch or none") }
        if let journalRetention, DurationText.milliseconds(journalRetention) == nil {
            throw ValidationError("--journal-retention takes a duration such as 7d or 12h, not '\(journalRetention)'")
        }
        _ = try selection()
    }

    func openJournal() throws -> AlertJournal? {
        try journal.map {
            try AlertJournal(directory: $0, policy: AlertJournal.SyncPolicy(rawValue: journalSync) ?? .batch,
                             retention: journalRetention.flatMap(DurationText.milliseconds))
        }
    }

    /// The `--emit` kinds.
    func selection() throws -> RecordSelection {
        var selection: RecordSelection = []
        for word in emit.flatMap({ $0.split(separator: ",") }) {
            switch word.trimmingCharacters(in: .whitespaces) {
            case "alerts": selection.insert(.alerts)
            case "windows": selection.insert(.windows)
            case "late": selection.insert(.late)
            case "scores": selection.insert(.scores)
            case "all": selection.formUnion(.all)
            default: throw ValidationError("--emit takes alerts, windows, late, scores or all, not '\(word)'")
            }
        }
        return selection.isEmpty ? .alerts : selection
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.run")
        let pipeline = try pipelineOptions.load()
        logger.info("pipeline '\(pipeline.name)': \(pipeline.rules.count) rule(s), \(partitions) partition(s)")
        if durable.checkpoint != nil, journal == nil {
            logger.warning("--checkpoint without --journal: after a crash no alert is lost, but those produced again while catching up are published again (same seq); add --journal DIR for exactly once")
        }
        if let input { try runOffline(pipeline, input: input, logger: logger) } else { try runLive(pipeline, logger: logger) }
    }

    /// The `--output` sink. It appends: a restart (after a crash, with or without a checkpoint)
    /// must never destroy what an earlier run wrote. With a journal, an existing file is first
    /// caught up with it (alerts journaled by a process killed before it wrote them).
    private func outputSink(journal: AlertJournal?, logger: Logger) throws -> (any OutputSink)? {
        guard let output else { return nil }
        guard output != "-" else { return RecordLineWriter(selection: try selection()) }
        if let size = try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int, size > 0 {
            logger.notice("appending to \(output), which holds \(size) bytes from an earlier run")
        }
        if let journal, try selection().contains(.alerts) {
            let report = try AlertFileCatchUp.run(path: output, journal: journal)
            if report.trimmedBytes > 0 { logger.notice("\(output): cut off an unfinished last line (\(report.trimmedBytes) bytes)") }
            if report.appended > 0 {
                logger.notice("\(output): appended \(report.appended) journaled alert(s) numbered after \(report.lastSequenceInFile ?? 0) that an interrupted run had not written")
            }
        }
        return try RecordLineWriter(path: output, selection: try selection(), append: true)
    }

    private func runOffline(_ pipeline: Pipeline, input: String, logger: Logger) throws {
        let alertJournal = try openJournal()
        var sinks: [any OutputSink] = [try outputSink(journal: alertJournal, logger: logger) ?? RecordLineWriter(selection: try selection())]
        if !alerts.isEmpty {
            // The publisher's socket keeps its context alive until the sink is closed.
            sinks.append(try AlertPublisher(context: try Context(), endpoints: alerts, selection: try selection(), logger: logger))
        }
        let summary: OfflineRun.Summary
        do {
            summary = try OfflineRun.run(
                pipeline: pipeline, input: try OfflineRun.Input.open(input, from: from?.milliseconds, to: to?.milliseconds), sinks: sinks,
                partitions: partitions, deterministic: deterministic, deadLetters: try deadLetter.map(DeadLetterWriter.init(path:)),
                emitScores: try selection().contains(.scores), decodingThreads: decodingThreads, journal: alertJournal, durability: try durable.settings(), logger: logger
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

    private func curve() throws -> (secretKey: String, allowedClients: [String])? {
        guard let curveSecretKey, let curveAllow else { return nil }
        return (try KeyFiles.keyPair(at: curveSecretKey).secretKey, try KeyFiles.publicKeys(at: curveAllow))
    }

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
        nonisolated(unsafe) var seen = reloader.modificationDates()
        watch.schedule(deadline: .now() + 1, repeating: 1)
        watch.setEventHandler {
            let now = reloader.modificationDates()
            guard now != seen else { return }
            seen = now
            reloader.reload()
        }
        watch.resume()
        return [hangup, watch]
    }

    private func runLive(_ pipeline: Pipeline, logger: Logger) throws {
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
        let metrics = MetricsExporter()
        let live: LivePipeline
        var reloading: [any DispatchSourceProtocol] = []
        let server: OperationsServer?
        do {
            var configuration = LivePipeline.Configuration(
                    pipeline: pipeline, feeds: FeedEndpoints(subscribe: feed, pull: pull, topics: topic),
                    alertEndpoints: alerts.isEmpty ? ["tcp://127.0.0.1:5557"] : alerts, partitions: partitions,
                    deterministic: deterministic, publish: try selection(), receiver: options,
                    deadLetters: try deadLetter.map(DeadLetterWriter.init(path:)),
                    journal: alertJournal,
                    catchupEndpoints: catchup,
                    curve: try curve()
            )
            configuration.durability = try durable.settings()
            if web.http != nil {
                configuration.handling = try web.policy()
                configuration.overview = true
                configuration.series = true
                configuration.onAlertLatency = { metrics.recordAlertLatency(nanoseconds: $0) }
            }
            live = try LivePipeline(context: context, configuration: configuration, sinks: sinks, logger: logger)
            // Before the feeds open: a SIGHUP sent once the process is seen subscribing reloads.
            // (A reload asked before start waits for the receive loop to take it.)
            reloading = installReloading(live, logger: logger)
            if waitForSubscribers > 0, let publisher = live.publisher {
                logger.info("waiting for \(waitForSubscribers) alert subscriber(s)")
                if !publisher.waitForSubscribers(waitForSubscribers, timeoutMilliseconds: 30_000) {
                    logger.warning("fewer than \(waitForSubscribers) alert subscriber(s) after 30 s; starting anyway")
                }
            }
            try live.start()
            server = try web.start(live: live, metrics: metrics, journal: journal, logger: logger)
        } catch let error as ZMQError {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        } catch let error as OperationsServerError {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        } catch let error as RecoveryError {
            logger.critical("cannot start: \(error)")
            throw ExitCode.failure
        }
        if curveSecretKey == nil {
            logger.warning("""
                SECURITY: feed, alert and catch-up sockets use the NULL mechanism: no authentication, no encryption. \
                Anyone who can reach them can inject events and read alerts. For local development only \
                (\(insecure ? "--insecure was given" : "loopback endpoints")); use --curve-secret-key and --curve-allow in production.
                """)
        } else {
            logger.info("security: CURVE on feed, alert and catch-up sockets; clients must be on \(curveAllow ?? "the allow-list")")
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
            \(status.ingest.shedTotal > 0 ? " (\(status.ingest.shedSummary))" : ""), \(status.lastSequence) alert(s)
            """)
    }
}
