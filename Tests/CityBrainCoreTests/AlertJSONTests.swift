import CityBrainCore
import Foundation
import Testing

@Suite("Alert wire JSON")
struct AlertJSONTests {
    static func alert() -> Alert {
        var alert = Alert(seq: 42, id: "traffic-congestion:seg 17:1732270200000", rule: "traffic-congestion", state: .assigned, severity: .critical,
                          department: "traffic-police", key: "seg 17", sensor: "seg 17", district: "d07", kind: .traffic,
                          windowStart: 1_732_270_140_000, windowEnd: 1_732_270_200_000, value: 12.5, threshold: nil,
                          values: [.init(name: "mean(occupancy)", value: 0.41), .init(name: "mean(speed_kmh)", value: 12.5), .init(name: "p95(speed_kmh)", value: nil)],
                          message: "Congestion on \"seg 17\" — d07", sensors: ["seg 17", "seg 18"], ts: 1_732_270_200_000, emittedAt: 1_800_000_000_123)
        alert.epoch = 1_799_999_000_000
        alert.score = 0.93
        alert.expected = 48.2
        alert.observedAt = 1_732_270_199_000
        alert.handling = Alert.Handling(by: "ana", assignee: "unit-7", note: "crew sent", at: 1_800_000_000_500)
        alert.shard = "shard-2"
        alert.shardSeq = 17
        return alert
    }

    @Test("strings are escaped as JSON requires, byte for byte as before, and read back unchanged")
    func stringEscapes() throws {
        var writer = JSONObjectWriter()
        let tricky = "quote \" backslash \\ newline \n return \r tab \t bell \u{07} unit \u{1F} del \u{7F} é 🚦 plain"
        writer.field("s", tricky)
        writer.field("plain", "seg-17 — d07")
        let json = writer.finish()
        #expect(json == #"{"s":"quote \" backslash \\ newline \n return \r tab \t bell \u0007 unit \u001f del \#u{7F} é 🚦 plain","plain":"seg-17 — d07"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(parsed == ["s": tricky, "plain": "seg-17 — d07"])
    }

    @Test("every field survives the wire: what json writes, init(json:) reads back (values sorted by name)")
    func roundTrip() throws {
        let alert = Self.alert()
        #expect(try Alert(json: Array(alert.json.utf8)) == alert)
        var bare = alert
        bare.epoch = nil
        bare.score = nil
        bare.expected = nil
        bare.observedAt = nil
        bare.handling = nil
        bare.shard = nil
        bare.shardSeq = nil
        bare.sensors = nil
        bare.emittedAt = nil
        #expect(try Alert(json: Array(bare.json.utf8)) == bare)
    }

    @Test("what is not an alert is refused with the reason; fields it does not know are ignored")
    func refused() throws {
        func problem(_ text: String) -> String? {
            (#expect(throws: AlertDecodingError.self) { try Alert(json: Array(text.utf8)) })?.description
        }
        #expect(problem("[1]") == "an alert is a JSON object, not an array")
        #expect(problem("{\"seq\":1")?.hasPrefix("not JSON: ") == true)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Self.alert().json.utf8)) as? [String: Any])
        object["state"] = "exploded"
        #expect(problem(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)) == "unknown state 'exploded'")
        object["state"] = "raised"
        object["seq"] = "1"
        #expect(problem(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)) == "'seq' must be a number")
        object["seq"] = 1.5
        #expect(problem(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)) == "'seq' must be a whole number")
        object["seq"] = 3
        object["values"] = nil
        #expect(problem(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)) == "'values' must be an object")
        object["values"] = [:] as [String: Any]
        object["future_field"] = ["nested": true]
        #expect(try Alert(json: JSONSerialization.data(withJSONObject: object)).seq == 3)
    }
}
