import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// `citybrain tail`: watch an alert stream.
struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show alerts live: one readable line each (coloured by severity on a terminal), or JSON lines with --json.",
        discussion: """
        Examples:
          citybrain tail --alerts tcp://127.0.0.1:5557
          citybrain tail --department traffic-police --json --count 10
        Exit code 0 when stopped by Ctrl-C or after --count alerts; 1 when --timeout passes first.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Alert stream to connect to; repeatable.", valueName: "endpoint"))
    var alerts: [String] = ["tcp://127.0.0.1:5557"]

    @Option(name: .long, help: "Only alerts for this department (topic alert.<department>.); repeatable.")
    var department: [String] = []

    @Flag(name: .long, help: "Print each alert's JSON as one line.")
    var json = false

    @Flag(name: .long, help: "Miss nothing: fetch what was published while away from --catchup, and drop duplicates (needs --state).")
    var durable = false

    @Option(name: .long, help: ArgumentHelp("With --durable: file keeping the last sequence number shown, to resume after a restart.", valueName: "file"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("With --durable: the pipeline's catch-up endpoint.", valueName: "endpoint"))
    var catchup: String = "tcp://127.0.0.1:5558"

    @Option(name: .long, help: "Exit after this many alerts.")
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Give up after this many seconds (exit code 1 if --count was not reached).", valueName: "seconds"))
    var timeout: Double?

    @OptionGroup var curve: CurveClientOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if durable, state == nil { throw ValidationError("--durable needs --state FILE to remember where it stopped") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let logger = common.makeLogger("citybrain.tail")
        let console = Console()
        let formatter = AlertLineFormatter(colour: console.stdoutIsTerminal)
        let termination = Termination()
        let received = Atomic<Int>(0)
        let topics = department.isEmpty ? ["alert."] : department.map { "alert.\($0)." }
        let show: @Sendable (Alert, String) -> Void = { [json, count] alert, raw in
            let seen = received.add(1, ordering: .relaxed).newValue
            if let count, seen > count { return }
            console.print(json ? raw : formatter.format(alert))
            if let count, seen == count { termination.trigger() }
        }
        let context = try Context()
        let stop: () -> Void
        do {
            if durable {
                let consumer = DurableAlertConsumer(context: context, alerts: alerts, catchup: catchup, topics: topics, stateFile: state,
                                                    security: try curve.security(), logger: logger, handler: show)
                try consumer.start()
                stop = consumer.stop
            } else {
                let subscriber = AlertSubscriber(context: context, endpoints: alerts, topics: topics, security: try curve.security(),
                                                 logger: logger, handler: show)
                try subscriber.start()
                stop = subscriber.stop
            }
        } catch {
            logger.critical("cannot connect: \(error)")
            throw ExitCode.failure
        }
        let woken = termination.wait(seconds: timeout)
        stop()
        if !woken, let count, received.load(ordering: .relaxed) < count {
            logger.error("timed out after \(timeout ?? 0) s with \(received.load(ordering: .relaxed)) of \(count) alerts")
            throw ExitCode.failure
        }
    }
}
