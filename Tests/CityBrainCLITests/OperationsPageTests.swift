import CityBrainCore
import CityBrainTesting
import Foundation
import Testing
import ZeroMQ

/// The operations page in a real browser (headless Chromium through chromedriver) against the
/// real binary: a scripted feed raises an alert, the page shows it, an operator acknowledges it
/// there, and the acknowledgement reaches the alert stream and the API.
@Suite("Operations page in a browser", .serialized)
struct OperationsPageTests {
    static func freePort() throws -> Int {
        let context = try Context()
        let socket = try Socket(context, .pull)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 0)
        try socket.bind("tcp://127.0.0.1:*")
        return Int(try socket.lastEndpoint.split(separator: ":").last ?? "") ?? 0
    }

    /// `citybrain run` with the page on a free port, a token, a PULL feed and an alert socket in a
    /// temporary directory, and a browser that has loaded the page and typed in operator and token.
    final class PageSession {
        let token = "page-test-token-\(UUID().uuidString.prefix(8))"
        let directory = temporaryPath("page")
        let httpPort: Int
        let feedEndpoint: String
        let alertEndpoint: String
        let process: RunningCommand
        let browser: WebDriver

        init() throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try token.write(toFile: directory + "/token", atomically: true, encoding: .utf8)
            httpPort = try OperationsPageTests.freePort()
            feedEndpoint = "ipc://\(directory)/feed"
            alertEndpoint = "ipc://\(directory)/alerts"
            process = try CommandRunner.start([
                "run", "--pull", feedEndpoint, "--alerts", alertEndpoint, "--journal", directory + "/journal",
                "--http", "127.0.0.1:\(httpPort)", "--http-token-file", directory + "/token",
            ])
            browser = try WebDriver(port: try OperationsPageTests.freePort())
            var loaded = false
            for _ in 0..<20 where !loaded {
                try? browser.open("http://127.0.0.1:\(httpPort)/")
                loaded = (try? browser.waitFor("#connection.live", timeout: 0.5)) != nil
            }
            try #require(loaded, "the page did not connect to its live feed; citybrain run said: \(process.stderr)")
            try browser.type("ana", into: try #require(try browser.find("#operator-name")))
            try browser.type(token, into: try #require(try browser.find("#operator-token")))
        }

        deinit {
            process.terminate()
            _ = process.finish(timeout: 20)
            removeTemporaryItem(directory)
        }
    }

    @Test("an alert appears on the page within 2 s; acknowledging it there is published and shown by the API")
    func acknowledgeFromThePage() throws {
        let session = try PageSession()
        let (browser, httpPort, feedEndpoint, alertEndpoint) = (session.browser, session.httpPort, session.feedEndpoint, session.alertEndpoint)

        let context = try Context()
        let alerts = try Socket(context, .sub)
        try alerts.setReceiveTimeout(milliseconds: 10_000)
        try alerts.subscribe("alert.")
        try alerts.connect(alertEndpoint)
        let feed = try Socket(context, .push)
        try feed.connect(feedEndpoint)

        // A jammed minute on seg-7, then an event whose watermark closes it.
        let base: Int64 = 1_732_269_600_000
        func event(_ seconds: Int64, speed: Double, occupancy: Double) -> String {
            #"{"kind":"traffic","sensor":"seg-7","district":"d02","ts":\#(base + seconds * 1000),"speed_kmh":\#(speed),"occupancy":\#(occupancy)}"#
        }
        for second in stride(from: 0 as Int64, to: 60, by: 6) { try feed.send(event(second, speed: 11, occupancy: 0.6)) }
        try feed.send(event(66, speed: 50, occupancy: 0.1))
        let id = "traffic-congestion:seg-7:\(base + 60_000)"

        let card = try #require(try browser.waitFor(#".case[data-id="\#(id)"]"#, timeout: 2), "the alert did not appear within 2 s")
        #expect(try browser.text(of: card).contains("Congestion on seg-7 (d02)"))
        let raised = try #require(try alerts.receiveMessage())
        #expect(try Alert(json: raised.frames[1]).state == .raised)

        let button = try #require(try browser.find(#".case[data-id="\#(id)"] button[data-action="ack"]"#))
        try browser.click(button)
        let status = try #require(try browser.waitFor(#".case[data-id="\#(id)"] .status.acknowledged"#, timeout: 5), "the page did not show the acknowledgement")
        #expect(try browser.text(of: status) == "ACKNOWLEDGED")

        // On the stream, with who: the next message after the raise.
        let acknowledged = try Alert(json: try #require(try alerts.receiveMessage()).frames[1])
        #expect(acknowledged.id == id)
        #expect(acknowledged.state == .acknowledged)
        #expect(acknowledged.handling?.by == "ana")
        #expect(acknowledged.seq == 2)

        // And in the API.
        let api = try WebDriver.fetch("http://127.0.0.1:\(httpPort)/api/alerts/\(id)")
        #expect(api.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: api.body) as? [String: Any])
        #expect(body["status"] as? String == "acknowledged")
        #expect((body["acknowledged"] as? [String: Any])?["by"] as? String == "ana")

        let artifacts = CommandRunner.repositoryRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        try browser.screenshot().write(to: artifacts.appendingPathComponent("operations-page.png"))
    }

    @Test("an anomaly alert's Series button draws the sensor's readings with the expected band and the alert marked")
    func seriesChart() throws {
        let session = try PageSession()
        let context = try Context()
        let feed = try Socket(context, .push)
        try feed.connect(session.feedEndpoint)
        // Five hours of seg-9 at about 60 km/h every 5 minutes, then 15 km/h: the speed-drop rule.
        let base: Int64 = 1_732_269_600_000
        func reading(_ index: Int64, speed: Double) -> String {
            #"{"kind":"traffic","sensor":"seg-9","district":"d03","ts":\#(base + index * 300_000),"speed_kmh":\#(speed),"occupancy":\#(0.12 + Double(index % 4) / 100),"flow_vph":\#(900 + index % 5 * 10)}"#
        }
        for index in 0..<60 as Range<Int64> { try feed.send(reading(index, speed: 60 + Double(index % 3))) }
        for index in 60..<63 as Range<Int64> { try feed.send(reading(index, speed: 15)) }

        let button = try #require(try session.browser.waitFor(#".case[data-id^="traffic-speed-drop:seg-9:"] button[data-action="series"]"#, timeout: 5),
                                  "no speed-drop alert with a Series button; citybrain run said: \(session.process.stderr)")
        try session.browser.click(button)
        _ = try #require(try session.browser.waitFor(#".case[data-id^="traffic-speed-drop:seg-9:"] svg.series polyline.value"#, timeout: 5),
                         "the series was not drawn")
        #expect(try session.browser.find(#".case[data-id^="traffic-speed-drop:seg-9:"] svg.series polygon.band"#) != nil)
        #expect(try session.browser.find(#".case[data-id^="traffic-speed-drop:seg-9:"] svg.series line.marker"#) != nil)
        let meta = try #require(try session.browser.find(#".case[data-id^="traffic-speed-drop:seg-9:"] .series .meta"#))
        let caption = try session.browser.text(of: meta)
        #expect(caption.contains("readings · last 15, expected"), "\(caption)")

        let artifacts = CommandRunner.repositoryRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        try session.browser.screenshot().write(to: artifacts.appendingPathComponent("operations-page-series.png"))
    }
}
