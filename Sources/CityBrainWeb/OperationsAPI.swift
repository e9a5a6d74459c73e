import CityBrainCore
import CityBrainHandling
import CityBrainIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP routes of the operations centre: the page, its live feed, the alert API, health and
/// metrics. Reading needs no token; changing an alert needs the ``AccessToken``, and without one
/// configured the API is read-only.
public struct OperationsAPI: Sendable {
    public let sources: OperationsSources
    public let token: AccessToken?
    public let metrics: MetricsExporter

    public init(sources: OperationsSources, token: AccessToken?, metrics: MetricsExporter) {
        self.sources = sources
        self.token = token
        self.metrics = metrics
    }

    /// Every route served, as `METHOD /path` with `{id}` for the alert id (docs/openapi.yaml
    /// documents exactly these; a test keeps the three in step).
    public static let routes = [
        "GET /", "GET /live", "GET /health", "GET /metrics", "GET /api/alerts", "GET /api/alerts/{id}", "GET /api/alerts/{id}/series",
        "POST /api/alerts/{id}/ack", "POST /api/alerts/{id}/assign", "POST /api/alerts/{id}/resolve",
    ]

    /// The router with every route installed.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MethodNotAllowedMiddleware(routes: Self.routes))
        router.get("/") { _, _ in Self.respond(.ok, OperationsPage.html, type: "text/html; charset=utf-8") }
        router.get("/live") { _, _ in LiveFeed(sources: sources).response() }
        router.get("/health") { _, _ in
            let (ready, json) = sources.health()
            return Self.respond(ready ? .ok : .serviceUnavailable, json)
        }
        router.get("/metrics") { _, _ in
            Self.respond(.ok, metrics.scrape(sources), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/alerts") { request, _ in listAlerts(request) }
        router.get("/api/alerts/:id") { _, context in
            guard let id = Self.alertID(context), let entry = sources.desk[id] else {
                return Self.respond(.notFound, CaseJSON.error("no alert '\(Self.alertID(context) ?? "")'"))
            }
            return Self.respond(.ok, CaseJSON.encode(entry, now: sources.desk.now))
        }
        router.get("/api/alerts/:id/series") { _, context in
            guard let id = Self.alertID(context), let entry = sources.desk[id] else {
                return Self.respond(.notFound, CaseJSON.error("no alert '\(Self.alertID(context) ?? "")'"))
            }
            let alert = entry.alert
            let band = sources.bandWidth(alert.rule)
            let points = band == nil ? [] : alert.sensor.map { sources.series?.points(rule: alert.rule, sensor: $0) ?? [] } ?? []
            return Self.respond(.ok, SeriesJSON.encode(alert, points: points, band: band))
        }
        for action in ["ack", "assign", "resolve"] {
            router.post("/api/alerts/:id/\(action)") { request, context in
                try await handle(action, request: request, context: context)
            }
        }
        return router
    }

    private func listAlerts(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        var filter = AlertBoard.Filter()
        if let state = query.get("state") {
            guard let status = AlertCase.Status(rawValue: state) else {
                return Self.respond(.badRequest, CaseJSON.error("state must be one of open, acknowledged, resolved; got '\(state)'"))
            }
            filter.status = status
        }
        filter.department = query.get("department")
        filter.district = query.get("district")
        if let since = query.get("since") {
            // The documented type is int64 ≥ 0: anything else, however many digits, is refused.
            guard let value = Int64(since), value >= 0 else {
                return Self.respond(.badRequest, CaseJSON.error("since must be Unix milliseconds, 0 to \(Int64.max); got '\(since.prefix(40))'"))
            }
            filter.since = value
        }
        let limitText = query.get("limit"), offsetText = query.get("offset")
        guard let limit = limitText.map({ Int($0) }) ?? 50, (1...500).contains(limit) else {
            return Self.respond(.badRequest, CaseJSON.error("limit must be an integer 1…500; got '\(limitText?.prefix(40) ?? "")'"))
        }
        guard let offset = offsetText.map({ Int($0) }) ?? 0, offset >= 0 else {
            return Self.respond(.badRequest, CaseJSON.error("offset must be an integer, 0 or more; got '\(offsetText?.prefix(40) ?? "")'"))
        }
        let (cases, total) = sources.desk.query(filter, offset: offset, limit: limit)
        return Self.respond(.ok, CaseJSON.page(cases, total: total, offset: offset, limit: limit, now: sources.desk.now))
    }

    private func handle(_ action: String, request: Request, context: BasicRequestContext) async throws -> Response {
        guard let token else {
            return Self.respond(.forbidden, CaseJSON.error("alert handling is off: start citybrain run with --http-token-file or CITYBRAIN_HTTP_TOKEN"))
        }
        if !token.authorizes(header: request.headers[.authorization]) {
            var response = Self.respond(.unauthorized, CaseJSON.error("changing an alert needs 'Authorization: Bearer <token>'"))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        guard let id = Self.alertID(context) else { return Self.respond(.notFound, CaseJSON.error("no alert id")) }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let fields: [String: Any]
        do {
            let parsed = body.readableBytes == 0 ? [:] : try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
            guard let object = parsed as? [String: Any] else { throw CocoaError(.propertyListReadCorrupt) }
            fields = object
        } catch {
            return Self.respond(.badRequest, CaseJSON.error("the body must be a JSON object such as {\"by\":\"ana\"}"))
        }
        let known: Set<String> = ["by", "assignee", "note"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            return Self.respond(.badRequest, CaseJSON.error("unknown field '\(unknown)' (by, assignee, note)"))
        }
        guard let actor = fields["by"] as? String, !actor.isEmpty, actor.count <= 128 else {
            return Self.respond(.badRequest, CaseJSON.error("'by' (who acts, 1–128 characters) is required"))
        }
        let note = fields["note"] as? String
        let boardAction: AlertBoard.Action
        switch action {
        case "ack": boardAction = .acknowledge
        case "resolve": boardAction = .resolve
        default:
            guard let assignee = fields["assignee"] as? String, !assignee.isEmpty, assignee.count <= 128 else {
                return Self.respond(.badRequest, CaseJSON.error("'assignee' (1–128 characters) is required to assign"))
            }
            boardAction = .assign(to: assignee)
        }
        do {
            let entry = try sources.desk.perform(boardAction, on: id, by: actor, note: note)
            return Self.respond(.ok, CaseJSON.encode(entry, now: sources.desk.now))
        } catch .unknownAlert {
            return Self.respond(.notFound, CaseJSON.error("no alert '\(id)'"))
        } catch {
            return Self.respond(.conflict, CaseJSON.error(error.description))
        }
    }

    static func alertID(_ context: BasicRequestContext) -> String? {
        context.parameters.get("id").map { $0.removingPercentEncoding ?? $0 }
    }

    static func respond(_ status: HTTPResponse.Status, _ text: String, type: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
