import CityBrainCore
import CityBrainTesting
import Foundation
import Testing
import ZeroMQ

@Suite("citybrain run with standard feed formats")
struct FeedFormatCommandTests {
    @Test("each --pull endpoint decodes the format it names: SenML CBOR packs raise the alert native JSON would; NGSI-LD sent to the SenML endpoint is refused")
    func perEndpointFormats() throws {
        let context = try Context()
        let directory = try makeTemporaryDirectory("formats")
        defer { removeTemporaryDirectory(directory) }
        let senmlEndpoint = "ipc://\(directory)/senml.ipc", ngsiEndpoint = "ipc://\(directory)/ngsi.ipc"
        let output = directory + "/alerts.jsonl"
        let process = try CommandRunner.start([
            "run", "--pull", "senml@\(senmlEndpoint)", "--pull", "ngsi-ld@\(ngsiEndpoint)", "--alerts", "ipc://\(directory)/alerts.ipc",
            "--output", output, "--deterministic",
        ])
        // Bounded: a process that failed to start must fail the test, not hang it.
        let senml = try Socket(context, .push)
        try senml.setSendTimeout(milliseconds: 10_000)
        try senml.connect(senmlEndpoint)
        let ngsi = try Socket(context, .push)
        try ngsi.setSendTimeout(milliseconds: 10_000)
        try ngsi.connect(ngsiEndpoint)

        let base: Int64 = 1_732_269_600_000
        func reading(_ seconds: Int64, speed: Double, occupancy: Double) -> Event {
            Event(kind: .traffic, sensor: "seg-7", district: "d02", timestamp: base + seconds * 1000,
                  readings: [Reading("speed_kmh", speed), Reading("occupancy", occupancy)])
        }
        // A garage through the NGSI-LD endpoint first (its time before the readings', so it
        // makes none of them late): it travels on a socket of its own, so nothing orders it
        // before the alert the test waits for; sent first, it has long arrived when that alert
        // is written (sent last, it was now and then still in flight when the process was
        // stopped: 11 events counted instead of 12).
        let garage = #"{"id":"urn:ngsi-ld:OffStreetParking:garage-3","type":"OffStreetParking","totalSpotNumber":400,"availableSpotNumber":120,"dateModified":"2024-11-22T09:59:50Z"}"#
        try ngsi.send(Message(garage))
        for second in stride(from: 0 as Int64, to: 60, by: 6) {
            try senml.send(Message(frames: [SenMLEncoder.cbor(reading(second, speed: 11, occupancy: 0.6))]))
        }
        // The same entity sent to the SenML endpoint.
        try senml.send(Message("[\(garage)]"))
        try senml.send(Message(frames: [SenMLEncoder.cbor(reading(66, speed: 50, occupancy: 0.1))]))  // the jam minute closes

        var text = ""
        _ = eventually(within: 20) {
            text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return text.contains(#""rule":"traffic-congestion""#)
        }
        process.terminate()
        let result = process.finish(timeout: 20)
        #expect(result.status == 0)
        let alert = try #require(text.split(separator: "\n").first)
        #expect(alert.contains(#""rule":"traffic-congestion","state":"raised""#))
        #expect(alert.contains(#""message":"Congestion on seg-7 (d02): mean speed 11 km/h, occupancy 60 %""#))
        #expect(result.stderr.contains("ingest: PULL on \(senmlEndpoint) (senml)"))
        #expect(result.stderr.contains("ingest: PULL on \(ngsiEndpoint) (ngsi-ld)"))
        #expect(result.stderr.contains("stopped: 12 event(s), 1 rejected (missing_field=1)"))
        #expect(result.stderr.contains("record 0: the record has no name ('bn' + 'n' is empty)"))
    }
}
