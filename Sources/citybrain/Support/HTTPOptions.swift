import ArgumentParser
import CityBrainCore
import CityBrainHandling
import CityBrainIO
import CityBrainWeb
import Foundation
import Logging

/// `run --http`: the operations page, alert API, health and metrics.
struct HTTPOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Serve the operations page and API on host:port, e.g. 127.0.0.1:8080 (port 0 picks one).", valueName: "host:port"))
    var http: String?

    @Option(name: .long, help: ArgumentHelp("File holding the access token operators present to change alerts (or set CITYBRAIN_HTTP_TOKEN). Without one the API is read-only.", valueName: "file"))
    var httpTokenFile: String?

    @Flag(name: .long, help: "Allow --http on an address other than loopback. Put TLS in front (a reverse proxy) and use a token.")
    var httpPublic = false

    @Option(name: .long, help: ArgumentHelp("Acknowledgement limits before escalation, e.g. critical=5m,warning=15m,info=1h.", valueName: "limits"))
    var acknowledgeWithin = "critical=5m,warning=15m,info=1h"

    func validate() throws {
        guard let http else { return }
        guard let (host, _) = OperationsServer.parse(address: http) else {
            throw ValidationError("--http takes host:port, e.g. 127.0.0.1:8080, not '\(http)'")
        }
        if !httpPublic, !OperationsServer.isLoopback(host) {
            throw ValidationError("--http \(http) is reachable from other machines: use 127.0.0.1, or add --http-public behind TLS")
        }
        _ = try policy()
    }

    /// The handling policy from `--acknowledge-within`.
    func policy() throws -> HandlingPolicy {
        var limits = HandlingPolicy().acknowledgeWithin
        for pair in acknowledgeWithin.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let severity = Severity(rawValue: parts[0]), let limit = DurationText.milliseconds(parts[1]), limit > 0 else {
                throw ValidationError("--acknowledge-within takes severity=duration pairs such as critical=5m,warning=15m; '\(pair)' is not one")
            }
            limits[severity] = limit
        }
        return HandlingPolicy(acknowledgeWithin: limits)
    }

    /// The access token from the file or the environment, if any.
    func token() throws -> AccessToken? {
        do {
            if let httpTokenFile { return try AccessToken.load(file: httpTokenFile) }
            if let value = ProcessInfo.processInfo.environment["CITYBRAIN_HTTP_TOKEN"], !value.isEmpty { return try AccessToken(value) }
        } catch {
            throw ValidationError("\(error)")
        }
        return nil
    }

    /// Starts the server for `live`, or returns nil without --http.
    func start(live: LivePipeline, metrics: MetricsExporter, journal: String?, logger: Logger) throws -> OperationsServer? {
        guard let sources = OperationsSources(live: live, journalDirectory: journal.map { URL(fileURLWithPath: $0) }) else { return nil }
        return try start(sources: sources, metrics: metrics, logger: logger)
    }

    /// Starts the server on `sources`, or returns nil without --http.
    func start(sources: OperationsSources, metrics: MetricsExporter, logger: Logger) throws -> OperationsServer? {
        guard let http, let (host, port) = OperationsServer.parse(address: http) else { return nil }
        let token = try token()
        if token == nil { logger.warning("--http without an access token: the page and API are read-only (see --http-token-file)") }
        let server = OperationsServer(api: OperationsAPI(sources: sources, token: token, metrics: metrics), host: host, port: port, logger: logger)
        try server.start()
        return server
    }
}
