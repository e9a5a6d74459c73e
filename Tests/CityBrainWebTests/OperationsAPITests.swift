import CityBrainCore
import CityBrainHandling
import CityBrainIO
import CityBrainTesting
import CityBrainWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A desk with a manual clock and a record of what it published, behind the real router.
final class DeskFixture: Sendable {
    /// Everything the desk published through the dispatcher.
    final class Published: Sendable {
        let alerts = Mutex<[Alert]>([])
    }

    static let t0: Int64 = 1_732_269_600_000
    let clock = ManualClock(epochMilliseconds: DeskFixture.t0)
    let publishedRecords = Published()
    let desk: OperationsDesk
    let status = Mutex(PipelineStatus(ingest: .init(), engine: .init(), lastSequence: 0))
    let bound = Mutex(true)

    var published: [Alert] { publishedRecords.alerts.withLock { $0 } }

    init() {
        desk = OperationsDesk(policy: HandlingPolicy(acknowledgeWithin: [.critical: 300_000, .warning: 900_000, .info: 3_600_000]),
                              clock: clock)
        desk.connect { [publishedRecords, desk] alerts in
            publishedRecords.alerts.withLock { $0 += alerts }
            desk.deliver(alerts.map(OutputRecord.alert))
        }
    }

    func advance(_ milliseconds: Int64) { clock.advance(nanoseconds: UInt64(milliseconds) * 1_000_000) }

    func raise(_ id: String, severity: Severity = .warning, department: String = "traffic-police", district: String = "d01") {
        let alert = Alert(id: id, rule: "congestion", state: .raised, severity: severity, department: department, key: id, sensor: id,
                          district: district, kind: .traffic, windowStart: 0, windowEnd: 60_000, value: 12, threshold: 20, values: [],
                          message: "Congestion on \(id)", ts: 60_000)
        desk.deliver([.alert(alert)])
    }

    func api(token: String? = "s3cret-token-0123456789") throws -> OperationsAPI {
        let sources = OperationsSources(desk: desk, status: { [self] in status.withLock { $0 } }, overview: nil,
                                        socketsBound: { [self] in bound.withLock { $0 } }, journalDirectory: nil)
        return OperationsAPI(sources: sources, token: try token.map(AccessToken.init), metrics: MetricsExporter())
    }

    func application(token: String? = "s3cret-token-0123456789") throws -> some ApplicationProtocol {
        Application(router: try api(token: token).router())
    }
}

func json(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
}

func errorText(_ response: TestResponse) throws -> String? {
    try json(response)["error"] as? String
}

let authorized: HTTPFields = [.authorization: "Bearer s3cret-token-0123456789", .contentType: "application/json"]

@Suite("Operations API")
struct OperationsAPITests {
    @Test("GET /api/alerts filters by state, department and district, newest first, paginated")
    func listing() async throws {
        let fixture = DeskFixture()
        fixture.raise("seg-1")
        fixture.advance(1_000)
        fixture.raise("seg-2", district: "d02")
        fixture.advance(1_000)
        fixture.raise("garage-1", department: "parking-management")
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/alerts", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["total"] as? Int == 3)
                #expect((body["alerts"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["garage-1", "seg-2", "seg-1"])
            }
            try await client.execute(uri: "/api/alerts?department=traffic-police&district=d02", method: .get) { response in
                let ids = (try json(response)["alerts"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(ids == ["seg-2"])
            }
            try await client.execute(uri: "/api/alerts?limit=2&offset=0", method: .get) { response in
                let body = try json(response)
                #expect((body["alerts"] as? [Any])?.count == 2)
                #expect(body["next_offset"] as? Int == 2)
            }
            try await client.execute(uri: "/api/alerts?since=\(DeskFixture.t0 + 1_500)", method: .get) { response in
                let total = try json(response)["total"] as? Int
                #expect(total == 1)
            }
            try await client.execute(uri: "/api/alerts?state=closed", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try errorText(response)
                #expect(error == "state must be one of open, acknowledged, resolved; got 'closed'")
            }
            try await client.execute(uri: "/api/alerts?since=yesterday", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/alerts?since=-5", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try errorText(response)
                #expect(error == "since must be Unix milliseconds, 0 to 9223372036854775807; got '-5'")
            }
            try await client.execute(uri: "/api/alerts?since=9223372036854775807", method: .get) { response in  // the largest: after every alert
                #expect(response.status == .ok)
                let total = try json(response)["total"] as? Int
                #expect(total == 0)
            }
            try await client.execute(uri: "/api/alerts?since=9223372036854775808", method: .get) { response in  // beyond int64, as documented
                #expect(response.status == .badRequest)
            }
            // A path that exists answers a method it does not serve with 405 and what it allows.
            try await client.execute(uri: "/metrics", method: .trace) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
            }
            try await client.execute(uri: "/api/alerts/seg-1/ack", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/api/nothing-here", method: .trace) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/alerts/seg-1", method: .get) { response in
                let body = try json(response)
                #expect(body["status"] as? String == "open")
                #expect(body["deadline"] as? Int64 == DeskFixture.t0 + 900_000)
                #expect((body["alert"] as? [String: Any])?["rule"] as? String == "congestion")
            }
            try await client.execute(uri: "/api/alerts/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("ack, assign and resolve need the token, change the case, and are published with who and when")
    func actions() async throws {
        let fixture = DeskFixture()
        fixture.raise("traffic-congestion:seg-1:1732269660000")
        let id = "traffic-congestion:seg-1:1732269660000"
        try await fixture.application().test(.router) { client in
            let body = ByteBuffer(string: #"{"by":"ana","note":"on my way"}"#)
            try await client.execute(uri: "/api/alerts/\(id)/ack", method: .post, body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(uri: "/api/alerts/\(id)/ack", method: .post,
                                     headers: [.authorization: "Bearer s3cret-token-0123456780"], body: body) { response in
                #expect(response.status == .unauthorized)
            }
            fixture.advance(60_000)
            try await client.execute(uri: "/api/alerts/\(id)/ack", method: .post, headers: authorized, body: body) { response in
                #expect(response.status == .ok)
                let result = try json(response)
                #expect(result["status"] as? String == "acknowledged")
                #expect((result["acknowledged"] as? [String: Any])?["by"] as? String == "ana")
                #expect(result["on_time"] as? Bool == true)
            }
            try await client.execute(uri: "/api/alerts/\(id)/ack", method: .post, headers: authorized, body: body) { response in
                #expect(response.status == .conflict)
                let error = try errorText(response)
                #expect(error == "alert '\(id)' was already acknowledged by ana")
            }
            try await client.execute(uri: "/api/alerts/\(id)/assign", method: .post, headers: authorized,
                                     body: ByteBuffer(string: #"{"by":"ana","assignee":"unit-7"}"#)) { response in
                #expect(response.status == .ok)
                let assigned = try json(response)["assigned"] as? [String: Any]
                #expect(assigned?["assignee"] as? String == "unit-7")
            }
            try await client.execute(uri: "/api/alerts/\(id)/assign", method: .post, headers: authorized,
                                     body: ByteBuffer(string: #"{"by":"ana"}"#)) { response in
                #expect(response.status == .badRequest)
                let error = try errorText(response)
                #expect(error == "'assignee' (1–128 characters) is required to assign")
            }
            try await client.execute(uri: "/api/alerts/\(id)/resolve", method: .post, headers: authorized,
                                     body: ByteBuffer(string: #"{"by":"bo","colour":"red"}"#)) { response in
                #expect(response.status == .badRequest)
                let error = try errorText(response)
                #expect(error == "unknown field 'colour' (by, assignee, note)")
            }
            try await client.execute(uri: "/api/alerts/\(id)/resolve", method: .post, headers: authorized,
                                     body: ByteBuffer(string: "not json")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/alerts/\(id)/resolve", method: .post, headers: authorized,
                                     body: ByteBuffer(string: #"{"by":"bo"}"#)) { response in
                #expect(response.status == .ok)
                let status = try json(response)["status"] as? String
                #expect(status == "resolved")
            }
            try await client.execute(uri: "/api/alerts/missing/ack", method: .post, headers: authorized, body: body) { response in
                #expect(response.status == .notFound)
            }
        }
        let published = fixture.published
        #expect(published.map(\.state) == [.acknowledged, .assigned, .resolved])
        #expect(published.map { $0.handling?.by } == ["ana", "ana", "bo"])
        #expect(published[0].handling == Alert.Handling(by: "ana", note: "on my way", at: DeskFixture.t0 + 60_000))
        #expect(published[1].handling?.assignee == "unit-7")
    }

    @Test("without a configured token the API is read-only")
    func noToken() async throws {
        let fixture = DeskFixture()
        fixture.raise("seg-1")
        try await fixture.application(token: nil).test(.router) { client in
            try await client.execute(uri: "/api/alerts/seg-1/ack", method: .post, body: ByteBuffer(string: #"{"by":"ana"}"#)) { response in
                #expect(response.status == .forbidden)
                let error = try errorText(response)
                #expect(error == "alert handling is off: start citybrain run with --http-token-file or CITYBRAIN_HTTP_TOKEN")
            }
            try await client.execute(uri: "/api/alerts/seg-1", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(fixture.published.isEmpty)
    }

    @Test("an unacknowledged alert is escalated after its limit and the escalation is published")
    func escalationPublished() throws {
        let fixture = DeskFixture()
        fixture.raise("crit", severity: .critical)
        fixture.advance(300_000)
        #expect(fixture.desk.escalateOverdue() == 0)
        fixture.advance(1)
        #expect(fixture.desk.escalateOverdue() == 1)
        #expect(fixture.desk.escalateOverdue() == 0)
        let published = fixture.published
        #expect(published.map(\.state) == [.escalated])
        #expect(published[0].handling?.by == "escalation")
        #expect(fixture.desk["crit"]?.escalatedAt == DeskFixture.t0 + 300_001)
        #expect(fixture.desk.onTimeRates["traffic-police"] == OnTimeRate(onTime: 0, total: 1))
    }

    @Test("health reports readiness and its facts; metrics are Prometheus text")
    func healthAndMetrics() async throws {
        let fixture = DeskFixture()
        fixture.raise("seg-1")
        fixture.status.withLock { status in
            status.ingest.accepted = 120
            status.ingest.rejected = [.malformedJSON: 2]
            status.engine.openWindows = 7
            status.engine.watermark = DeskFixture.t0 - 2_500
            status.checkpoints = CheckpointStatus(written: 4, failures: 1, lastTakenAt: 1_700_000_000_000, lastBytes: 57_000_000, lastWriteSeconds: 0.18)
            status.ingest.shed = [.sensorWaiting: 30]
            status.overloadedSince = 1_700_000_000_000
            status.queues.ingestWaiting = 900
            status.longestCloseNanoseconds = 1_250_000_000
            status.memory.trims = 3
            status.memory.releasedBytes = 7_340_032
            status.queues.alertSinkBatches = 3
        }
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["ready"] as? Bool == true)
                #expect(body["sockets_bound"] as? Bool == true)
                #expect(body["watermark_lag_seconds"] as? Double == 2.5)
            }
            fixture.bound.withLock { $0 = false }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let status = try json(response)["status"] as? String
                #expect(status == "not_ready")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains(#"citybrain_bad_frames_total{reason="malformed_json"} 2"#))
                #expect(text.contains("citybrain_open_windows 7"))
                #expect(text.contains(#"citybrain_alerts{rule="congestion",state="open"} 1"#))
                #expect(text.contains("citybrain_watermark_lag_seconds 2.5"))
                #expect(text.contains("citybrain_checkpoints_total 4"))
                #expect(text.contains("citybrain_checkpoint_failures_total 1"))
                #expect(text.contains("citybrain_checkpoint_bytes 57000000"))
                #expect(text.contains("citybrain_checkpoint_write_seconds 0.18"))
                #expect(text.contains("citybrain_checkpoint_age_seconds "))
                #expect(text.contains(#"citybrain_shed_readings_total{reason="sensor_waiting"} 30"#))
                #expect(text.contains("citybrain_overloaded 1"))
                #expect(text.contains("citybrain_overloaded_since_seconds 1700000000"))
                #expect(text.contains(#"citybrain_queue_occupancy{queue="ingest_waiting_readings"} 900"#))
                #expect(text.contains(#"citybrain_queue_bound{queue="ingest_waiting_readings"} 65536"#))
                #expect(text.contains(#"citybrain_queue_occupancy{queue="alert_sink_batches"} 3"#))
                #expect(text.contains(#"citybrain_queue_bound{queue="engine_batches"} 64"#))
                #expect(text.contains("citybrain_window_close_longest_seconds 1.25"))
                #expect(text.contains("citybrain_memory_trims_total 3"))
                #expect(text.contains("citybrain_memory_released_bytes_total 7340032"))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                #expect(page.contains("new EventSource(\"/live\")"))
                #expect(!page.contains("http://") && !page.contains("https://"))  // nothing from a CDN
            }
        }
    }

    @Test("GET /api/alerts/{id}/series gives the alert's sensor's scored readings, oldest first, with its rule's band")
    func alertSeries() async throws {
        let fixture = DeskFixture()
        let recorder = SeriesRecorder(store: ScoreSeriesStore(pointsPerSeries: 3, maxSeries: 10))
        func score(_ sensor: String, _ minute: Int64, _ value: Double, open: Bool = false) -> OutputRecord {
            .score(ReadingScore(rule: "speed-drop", sensor: sensor, district: "d01", ts: minute * 60_000, value: value, expected: 50,
                                spread: 2.5, zScore: (value - 50) / 2.5, score: 0.1, open: open))
        }
        // Four readings of seg-1 (the first falls out of a 3-point series), one of seg-2, and an alert.
        recorder.deliver([score("seg-1", 1, 49), score("seg-1", 2, 51), score("seg-2", 2, 40), score("seg-1", 3, 50), score("seg-1", 4, 15, open: true)])
        var alert = Alert(id: "speed-drop:seg-1", rule: "speed-drop", state: .raised, severity: .warning, department: "traffic-police",
                          key: "seg-1", sensor: "seg-1", district: "d01", kind: .traffic, windowStart: 240_000, windowEnd: 240_000,
                          value: 15, threshold: 35, values: [], message: "seg-1 slow", ts: 240_000)
        alert.expected = 50
        alert.observedAt = 240_000
        fixture.desk.deliver([.alert(alert)])
        fixture.raise("seg-9")  // a threshold rule's alert: no series

        let sources = OperationsSources(desk: fixture.desk, status: { fixture.status.withLock { $0 } }, overview: nil, socketsBound: { true },
                                        journalDirectory: nil, series: recorder, bandWidth: { $0 == "speed-drop" ? 6 : nil })
        let api = OperationsAPI(sources: sources, token: nil, metrics: MetricsExporter())
        try await Application(router: api.router()).test(.router) { client in
            try await client.execute(uri: "/api/alerts/speed-drop:seg-1/series", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"id":"speed-drop:seg-1","rule":"speed-drop","sensor":"seg-1","observed_at":240000,"band":6,"points":["#
                    + #"{"ts":120000,"value":51,"expected":50,"spread":2.5,"open":false},"#
                    + #"{"ts":180000,"value":50,"expected":50,"spread":2.5,"open":false},"#
                    + #"{"ts":240000,"value":15,"expected":50,"spread":2.5,"open":true}]}"#)
            }
            try await client.execute(uri: "/api/alerts/seg-9/series", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["band"] is NSNull)
                #expect((body["points"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/alerts/nothing-here/series", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try errorText(response)
                #expect(error == "no alert 'nothing-here'")
            }
        }
    }

    @Test("the access token is compared in full and must be long enough")
    func accessToken() throws {
        let token = try AccessToken("s3cret-token-0123456789")
        #expect(token.matches("s3cret-token-0123456789"))
        #expect(!token.matches("s3cret-token-012345678"))
        #expect(!token.matches("s3cret-token-01234567890"))
        // Extra bytes whose count is a multiple of 256 once slipped through a folded length check.
        for extra in [256, 512, 1_024] {
            #expect(!token.matches("s3cret-token-0123456789" + String(repeating: "x", count: extra)))
            #expect(!token.authorizes(header: "Bearer s3cret-token-0123456789" + String(repeating: "\u{0}", count: extra)))
        }
        #expect(!token.authorizes(header: "s3cret-token-0123456789"))
        #expect(token.authorizes(header: "Bearer s3cret-token-0123456789"))
        #expect(throws: AccessTokenError.self) { try AccessToken("short") }
    }
}
