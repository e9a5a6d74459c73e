import CityBrainCore
import CityBrainIO
import Logging
import Testing
import ZeroMQ

@Suite("Alert socket topics")
struct PublisherTopicTests {
    @Test("with --emit all, window results and late events are published under their own topics, alerts under theirs")
    func topics() throws {
        let context = try Context()
        let publisher = try AlertPublisher(context: context, endpoints: ["tcp://127.0.0.1:*"], selection: .all, logger: Logger(label: "topics"))
        let socket = try Socket(context, .sub)
        try socket.setReceiveTimeout(milliseconds: 5_000)
        for prefix in ["alert.", "window.", "late."] { try socket.subscribe(prefix) }
        try socket.connect(try #require(publisher.boundEndpoints.first))
        #expect(publisher.waitForSubscribers(3, timeoutMilliseconds: 5_000))

        let event = Event(kind: .parking, sensor: "g1", district: "d01", timestamp: 1_732_269_600_000, readings: [])
        let window = WindowResult(output: "fill", keyField: .sensor, key: "g1", windowStart: 0, windowEnd: 60_000, count: 3,
                                  values: [.init(name: "mean(occupied)", value: 2)], final: true)
        let alert = Alert(seq: 1, id: "r:g1:1", rule: "r", state: .raised, severity: .critical, department: "parking-management", key: "g1",
                          sensor: "g1", district: "d01", kind: .parking, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [],
                          message: "m", ts: 1)
        publisher.deliver([.window(window), .late(LateEvent(event: event, reason: "r", droppedBy: ["fill"], watermark: 2)), .alert(alert)])
        var topics: [String] = []
        for _ in 0..<3 { topics.append(try #require(try socket.receiveMessage()).string(at: 0) ?? "") }
        #expect(topics == ["window.fill", "late.parking", "alert.parking-management.critical"])
        publisher.close()
    }
}
