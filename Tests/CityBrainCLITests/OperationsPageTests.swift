import CityBrainCore
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

    @Test("an alert appears on the page within 2 s; acknowledging it there is published and shown by the API")
    func acknowledgeFromThePage() throws {
        let token = "page-test-token-\(UUID().uuidString.prefix(8))"
        let directory = NSTemporaryDirectory() + "citybrain-page-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try token.write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let httpPort = try Self.freePort()
        let feedEndpoint = "ipc://\(directory)/feed"
        let alertEndpoint = "ipc://\(directory)/alerts"

        let process = try CommandRunner.start([
            "run", "--pull", feedEndpoint, "--alerts", alertEndpoint, "--journal", directory + "/journal",
            "--http", "127.0.0.1:\(httpPort)", "--http-token-file", directory + "/token",
        ])
        defer { process.terminate(); _ = process.finish(timeout: 20) }

        let context = try Context()
        let alerts = try Socket(context, .sub)
        try alerts.setReceiveTimeout(milliseconds: 10_000)
        try alerts.subscribe("alert.")
        try alerts.connect(alertEndpoint)
        let feed = try Socket(context, .push)
        try feed.connect(feedEndpoint)

        let browser = try WebDriver(port: try Self.freePort())
        var loaded = false
        for _ in 0..<20 where !loaded {
            try? browser.open("http://127.0.0.1:\(httpPort)/")
            loaded = (try? browser.waitFor("#connection.live", timeout: 0.5)) != nil
        }
        try #require(loaded, "the page did not connect to its live feed; citybrain run said: \(process.stderr)")
        try browser.type("ana", into: try #require(try browser.find("#operator-name")))
        try browser.type(token, into: try #require(try browser.find("#operator-token")))

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
}
