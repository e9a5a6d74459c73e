import ArgumentParser
import CityBrainCore
import CityBrainIO
import CityBrainWeb
import Foundation
import Logging
import ZeroMQ

/// `citybrain fanin`: the shards' alert streams as one, for the operations centre.
struct FanInCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanin",
        abstract: "Merge the alert streams of a sharded city into one stream with its own journal, catch-up endpoint and operations page.",
        discussion: """
        Subscribes to each shard's alert stream and catch-up endpoint and republishes every alert \
        once, in the order it arrived, numbered gap-free by the fan-in (seq, epoch), keeping the \
        shard's own (shard, shard_seq). Consumers use the fan-in exactly like a single run: \
        `citybrain tail --durable`, webhooks, the operations page. The journal is the fan-in's \
        only state: a restarted fan-in goes on after each shard's last alert it journaled, and a \
        shard that was down is caught up from its journal once it answers (docs/scaling.md).

        Examples:
          citybrain fanin --journal /var/lib/citybrain/fanin \\
              --shard shard-0=tcp://10.0.0.10:5557,tcp://10.0.0.10:5558 \\
              --shard shard-1=tcp://10.0.0.11:5557,tcp://10.0.0.11:5558
          citybrain fanin --journal fanin --shard-plan deploy/shards.yaml \\
              --shard-endpoints 'tcp://citybrain-{shard}.citybrain-shards:5557,tcp://citybrain-{shard}.citybrain-shards:5558'
        """
    )

    @Option(name: .customLong("shard"), help: ArgumentHelp("A shard's alert stream and catch-up endpoint: NAME=ALERTS,CATCHUP; repeatable.", valueName: "name=alerts,catchup"))
    var shards: [String] = []

    @Option(name: .long, help: ArgumentHelp("Every shard of this plan, at --shard-endpoints.", valueName: "file"))
    var shardPlan: String?

    @Option(name: .long, help: ArgumentHelp("With --shard-plan: ALERTS,CATCHUP with {shard} for the shard's name.", valueName: "template"))
    var shardEndpoints: String?

    @Option(name: .long, help: ArgumentHelp("The fan-in's alert journal (its only state; required).", valueName: "path"))
    var journal: String

    @OptionGroup var journalOptions: JournalOptions

    @Option(name: .long, help: ArgumentHelp("Endpoint to bind the merged alert stream (XPUB) on; repeatable.", valueName: "endpoint"))
    var alerts: [String] = ["tcp://127.0.0.1:5557"]

    @Option(name: .long, help: ArgumentHelp("Endpoint to bind the merged stream's catch-up ROUTER on; repeatable.", valueName: "endpoint"))
    var catchup: [String] = ["tcp://127.0.0.1:5558"]

    @Option(name: .long, help: ArgumentHelp("Also append the merged alerts as JSON lines to this file (caught up from the journal at start).", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Also print each merged alert as a readable line.")
    var print = false

    @OptionGroup var delivery: AlertDeliveryOptions

    @OptionGroup var curve: CurveServerOptions

    @OptionGroup(title: "Connecting to CURVE-secured shards") var shardCurve: CurveClientOptions

    @Flag(name: .long, help: "Use the NULL mechanism on endpoints other than loopback, ipc and inproc. Development only.")
    var insecure = false

    @OptionGroup var web: HTTPOptions

    @Flag(name: .long, help: "Check the arguments and read every file they name (shard plan, keys, token), print the shards it would read, and exit. Opens no socket and writes nothing.")
    var dryRun = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        _ = try streams()
        if !curve.isEnabled, !insecure, let endpoint = (alerts + catchup).first(where: { !RunCommand.isLocal($0) }) {
            throw ValidationError("\(endpoint) is reachable from other machines, and without CURVE anyone could connect: give --curve-secret-key and --curve-allow, use a loopback address, or pass --insecure")
        }
    }

    /// The shards to read, from --shard or from the plan and the template.
    func streams() throws -> [ShardStream] {
        var streams: [ShardStream] = []
        for text in shards {
            switch ShardStream.parse(text) {
            case .success(let stream): streams.append(stream)
            case .failure(let error): throw ValidationError("--shard: \(error)")
            }
        }
        switch (shardPlan, shardEndpoints) {
        case (let plan?, let template?):
            switch ShardStream.expand(template: template, shards: try ShardOptions.load(plan).shards) {
            case .success(let expanded): streams += expanded
            case .failure(let error): throw ValidationError("--shard-endpoints: \(error)")
            }
        case (nil, nil): break
        default: throw ValidationError("--shard-plan and --shard-endpoints go together")
        }
        guard !streams.isEmpty else { throw ValidationError("no shard to read: give --shard NAME=ALERTS,CATCHUP, or --shard-plan FILE with --shard-endpoints TEMPLATE") }
        var names: Set<String> = []
        for stream in streams where !names.insert(stream.shard).inserted { throw ValidationError("shard '\(stream.shard)' is given twice") }
        return streams
    }

    func run() throws {
        let streams = try streams()
        if dryRun { return try checkOnly(streams) }
        let logger = common.makeLogger("citybrain.fanin")
        let termination = Termination()
        let context = try Context()
        let alertJournal = try journalOptions.open(journal)
        var security = SocketSecurity.none
        var zap: ZAPHandler?
        if let keys = try curve.keys() {
            let handler = ZAPHandler(context: context, allowedClients: keys.allowedClients, logger: logger)
            try handler.start()
            zap = handler
            security = .server(secretKey: keys.secretKey)
        }
        let console = Console()
        let desk = web.http == nil ? nil : OperationsDesk(policy: try web.policy())
        if let desk { desk.restore(from: try alertJournal.alerts(after: 0)) }
        let (fanIn, server, deliverers, operations) = try startingUp(logger) { () throws -> (AlertFanIn, JournalServer, [WebhookDeliverer], OperationsServer?) in
            var watch: HandshakeWatcher?
            if let zap { watch = { socket, name in try zap.watch(socket, name: name) } }
            let publisher = try AlertPublisher(context: context, endpoints: alerts, security: security, logger: logger, watchHandshakes: watch)
            var sinks: [any OutputSink] = [publisher]
            if let output { sinks.append(try outputSink(output, journal: alertJournal, logger: logger)) }
            if print { sinks.append(AlertConsoleSink(console: console)) }
            if let desk { sinks.append(desk) }
            let fanIn = try AlertFanIn(context: context, shards: streams, journal: alertJournal, sinks: sinks, security: try shardCurve.security(), logger: logger)
            desk?.connect { fanIn.output.publish($0) }
            let server = JournalServer(context: context, publisher: publisher, catchupEndpoints: catchup, journal: alertJournal, security: security, logger: logger)
            try server.start()
            try fanIn.start()
            var deliverers: [WebhookDeliverer] = []
            let signature = try delivery.signature()
            for target in delivery.targets {
                let deliverer = WebhookDeliverer(target: target, journal: alertJournal, format: delivery.alertFormat, signature: signature,
                                                 stateDirectory: journal + "/webhooks", logger: logger)
                try deliverer.start()
                deliverers.append(deliverer)
            }
            var operations: OperationsServer?
            if let desk {
                desk.startEscalating()
                operations = try web.start(sources: Self.sources(desk: desk, fanIn: fanIn, journal: journal), metrics: MetricsExporter(), logger: logger)
            }
            return (fanIn, server, deliverers, operations)
        }
        logger.info("fan-in of \(streams.count) shard(s) (\(streams.map(\.shard).joined(separator: ", "))): alerts on \(alerts.joined(separator: ", ")), catch-up on \(catchup.joined(separator: ", ")); \(fanIn.lastSequence) alert(s) journaled before")
        let reporter = StatusReporter(console: console, logger: logger) { Self.statusLine(of: fanIn) }
        reporter.start()
        termination.wait()
        reporter.stop()
        console.clearStatus()
        operations?.stop()
        for deliverer in deliverers { deliverer.stop() }
        fanIn.stop()
        server.stop()
        zap?.stop()
        fanIn.close()
        let progress = fanIn.shardProgress.map { "\($0.shard) \($0.taken) (to \($0.last))" }.joined(separator: ", ")
        logger.info("stopped: \(fanIn.lastSequence) alert(s) on the merged stream; taken since start: \(progress)")
    }

    /// `--dry-run`: the keys and token are read, nothing is started.
    func checkOnly(_ streams: [ShardStream]) throws {
        do {
            _ = try curve.keys()
            _ = try shardCurve.security()
            _ = try web.token()
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\((error as NSError).localizedDescription)")
        }
        Swift.print("ok: fan-in of \(streams.count) shard(s): " + streams.map { "\($0.shard) (\($0.alerts.joined(separator: ", ")), \($0.catchup))" }.joined(separator: ", "))
    }

    /// `merged 1,234 │ shard-0 to 412 (+12) │ shard-1 to 380 (+0) │ …`: the merged stream's last
    /// number, then each shard's last number taken and how many since start.
    static func statusLine(of fanIn: AlertFanIn) -> String {
        (["merged \(fanIn.lastSequence)"] + fanIn.shardProgress.map { "\($0.shard) to \($0.last) (+\($0.taken))" }).joined(separator: " │ ")
    }

    /// The fan-in's status, in the shape of a pipeline's (its counters are the merged stream's).
    static func status(of fanIn: AlertFanIn) -> PipelineStatus {
        PipelineStatus(ingest: IngestStatistics.Snapshot(), engine: EngineStatistics(), lastSequence: fanIn.lastSequence)
    }

    static func sources(desk: OperationsDesk, fanIn: AlertFanIn, journal: String) -> OperationsSources {
        OperationsSources(desk: desk, status: { status(of: fanIn) }, overview: nil, socketsBound: { true },
                          journalDirectory: URL(fileURLWithPath: journal))
    }

    /// The --output file, caught up with the journal first (as `run --output` does).
    func outputSink(_ output: String, journal: AlertJournal, logger: Logger) throws -> any OutputSink {
        let report = try AlertFileCatchUp.run(path: output, journal: journal, format: delivery.alertFormat)
        if report.appended > 0 { logger.notice("\(output): appended \(report.appended) journaled alert(s) it did not have") }
        return try RecordLineWriter(path: output, selection: .alerts, append: true, format: delivery.alertFormat)
    }
}
