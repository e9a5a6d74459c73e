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

    @OptionGroup var formats: FeedFormatOptions

    @Option(name: .long, help: ArgumentHelp("Read events from a recording (citybrain record) or a JSON-lines file instead of sockets ('-' for standard input).", valueName: "path"))
    var input: String?

    @Option(name: .long, help: ArgumentHelp("With a recording as --input: only frames received at or after this time (Unix ms or ISO 8601).", valueName: "time"))
    var from: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("With a recording as --input: only frames received at or before this time.", valueName: "time"))
    var to: TimeArgument?

    @Option(name: .long, help: ArgumentHelp("Write alerts as JSON lines here ('-' for standard output); an existing file is appended to, never truncated, so a restart keeps what an earlier run wrote. Default with --input: standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var delivery: AlertDeliveryOptions

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

    // Named like `replay --wait-for-subscribers`.
    @Option(name: .customLong("wait-for-subscribers"),
            help: "Before reading feeds, wait up to 30 s for this many alert-stream subscriptions, so the first alerts reach them.")
    var waitForSubscribersOption: Int = 0

    /// The old spelling, kept (hidden) for scripts that use it.
    @Option(name: .customLong("await-subscribers"), help: ArgumentHelp(visibility: .hidden))
    var awaitSubscribers: Int?

    var waitForSubscribers: Int { awaitSubscribers ?? waitForSubscribersOption }

    @Option(name: .long, help: ArgumentHelp("Append every rejected frame, with its reason, to this JSON-lines file.", valueName: "file"))
    var deadLetter: String?

    @Option(name: .long, help: ArgumentHelp("Keep an alert journal in this directory: alerts are written (and synced) before they are published; numbering continues across restarts.", valueName: "path"))
    var journal: String?

    @OptionGroup var journalOptions: JournalOptions

    @Option(name: .long, help: ArgumentHelp("Bind a ROUTER answering 'after <seq>' catch-up requests from the journal; repeatable (needs --journal).", valueName: "endpoint"))
    var catchup: [String] = []

    @OptionGroup var curveOptions: CurveServerOptions

    @Flag(name: .long, help: "Use the NULL mechanism (no authentication) on endpoints other than loopback, ipc and inproc. Development only.")
    var insecure = false

    @Flag(name: .long, help: "Reload the pipeline files when they change (they are always reloaded on SIGHUP).")
    var watchPipeline = false

    @OptionGroup var durable: DurabilityOptions

    @OptionGroup var sharding: ShardOptions

    @Flag(name: .long, help: "Check the arguments and read every file they name (pipeline, mapping, shard plan, keys, token), print what would run, and exit: 0 when it would start, 1 or 64 when not. Opens no socket and writes nothing.")
    var dryRun = false

    @Flag(name: .long, help: "With a recording as --input: read on as it grows (citybrain record writing it), until SIGINT or SIGTERM; with --checkpoint, a restart reads on from where it stopped, so a kill loses no reading.")
    var follow = false

    @Flag(name: .long, help: "With --input and --catchup: once the input is read, keep the alert stream and catch-up endpoint up (heartbeat every second) until SIGINT or SIGTERM, for consumers such as citybrain fanin.")
    var keepServing = false

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
        let feeds: FeedEndpoints
        do {
            feeds = try FeedEndpoints.parse(subscribe: feed, pull: pull, topics: topic)
        } catch {
            throw ValidationError("\(error)")
        }
        guard partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
        guard decodingThreads > 0, decodingThreads <= 256 else { throw ValidationError("--decoding-threads must be between 1 and 256") }
        guard maxFrameBytes > 0 else { throw ValidationError("--max-frame-bytes must be positive") }
        guard waitForSubscribers >= 0 else { throw ValidationError("--wait-for-subscribers must not be negative") }
        if !delivery.webhook.isEmpty, journal == nil { throw ValidationError("--webhook delivers from the alert journal: add --journal DIR") }
        if !delivery.webhook.isEmpty, input != nil { throw ValidationError("--webhook serves a live run; it cannot be combined with --input") }
        if follow, input == nil || input == "-" { throw ValidationError("--follow reads a recording as it grows: give --input DIRECTORY (written by citybrain record)") }
        if follow, from != nil || to != nil { throw ValidationError("--follow reads on without end; --from and --to do not go with it") }
        if follow, keepServing { throw ValidationError("--follow serves its alert stream and catch-up while it reads; --keep-serving is for a run that ends") }
        if keepServing, input == nil || catchup.isEmpty { throw ValidationError("--keep-serving keeps an --input run's --catchup endpoint up: give both") }
        if !catchup.isEmpty, journal == nil { throw ValidationError("--catchup serves alerts from the journal: add --journal DIR") }
        if input == nil, !curveOptions.isEnabled, !insecure {
            let exposed = (feeds.subscribe + feeds.pull + (alerts.isEmpty ? ["tcp://127.0.0.1:5557"] : alerts) + catchup).filter { !Self.isLocal($0) }
            if let endpoint = exposed.first {
                throw ValidationError("""
                    \(endpoint) is reachable from other machines, and without CURVE anyone could connect: give \
                    --curve-secret-key and --curve-allow (see citybrain keygen), use a loopback address, or pass --insecure
                    """)
            }
        }
        if durable.inputLog != nil, input != nil { throw ValidationError("--input-log logs live feeds; a run on --input resumes from the file itself") }
        _ = try selection()
    }

    func openJournal() throws -> AlertJournal? {
        try journal.map(journalOptions.open)
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
        if dryRun { return try checkOnly(pipeline) }
        if let input { try runOffline(pipeline, input: input, logger: logger) } else { try runLive(pipeline, logger: logger) }
    }

    /// `--dry-run`: every file the arguments name is read and checked, nothing is started.
    func checkOnly(_ pipeline: Pipeline) throws {
        _ = try formats.mapping(for: pipeline)
        let shard = try sharding.filter()
        let curveKeys: (secretKey: String, allowedClients: [String])?
        do {
            curveKeys = try curveOptions.keys()
            _ = try web.token()
            _ = try delivery.signature()
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\((error as NSError).localizedDescription)")
        }
        var summary = "ok: pipeline '\(pipeline.name)' (\(pipeline.rules.count) rule(s))"
        if let shard { summary += "; \(Self.describe(shard))" }
        summary += input.map { "; input \($0)" } ?? "; feeds \((feed + pull).joined(separator: ", "))"
        summary += curveKeys.map { "; CURVE with \($0.allowedClients.count) allowed key(s)" } ?? "; no CURVE"
        Swift.print(summary)
    }

    /// The `--output` sink. It appends: a restart (after a crash, with or without a checkpoint)
    /// must never destroy what an earlier run wrote. With a journal, an existing file is first
    /// caught up with it (alerts journaled by a process killed before it wrote them).
    func outputSink(journal: AlertJournal?, logger: Logger) throws -> (any OutputSink)? {
        guard let output else { return nil }
        guard output != "-" else { return RecordLineWriter(selection: try selection(), format: delivery.alertFormat) }
        if let size = try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int, size > 0 {
            logger.notice("appending to \(output), which holds \(size) bytes from an earlier run")
        }
        if let journal, try selection().contains(.alerts) {
            let report = try AlertFileCatchUp.run(path: output, journal: journal, format: delivery.alertFormat)
            if report.trimmedBytes > 0 { logger.notice("\(output): cut off an unfinished last line (\(report.trimmedBytes) bytes)") }
            if report.appended > 0 {
                logger.notice("\(output): appended \(report.appended) journaled alert(s) numbered after \(report.lastSequenceInFile ?? 0) that an interrupted run had not written")
            }
        }
        return try RecordLineWriter(path: output, selection: try selection(), append: true, format: delivery.alertFormat)
    }
}
