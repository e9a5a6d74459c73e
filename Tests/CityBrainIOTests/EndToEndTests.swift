import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Logging
import Testing
import ZeroMQ

@Suite("End to end over loopback sockets")
struct EndToEndTests {
    @Test("the simulator's incidents arrive as exactly the expected alerts on the alert stream")
    func simulatedCity() throws {
        let logger = Logger(label: "e2e")
        let context = try Context()
        let feed = "ipc:///tmp/citybrain-e2e-\(UInt64.random(in: 0...UInt64.max)).ipc"
        let live = try LivePipeline(
            context: context,
            configuration: .init(pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(subscribe: [feed]),
                                 alertEndpoints: ["tcp://127.0.0.1:*"], partitions: 2, deterministic: true),
            logger: logger
        )
        let publisher = try #require(live.publisher)
        let received = Collector<Alert>()
        let consumer = AlertSubscriber(context: context, endpoints: publisher.boundEndpoints, logger: logger) { alert, _ in
            received.append(alert)
        }
        try consumer.start()
        defer { consumer.stop() }
        #expect(publisher.waitForSubscribers(1, timeoutMilliseconds: 10_000))
        try live.start()

        let start: Int64 = 1_732_269_600_000
        let simulator = CitySimulator(sensors: 60, seed: 5, start: start, reportInterval: 6_000, jitter: 1_000)
        let source = SimulatorPublisher(context: context, transport: .publish([feed]), logger: logger)
        // 22 simulated minutes at 1200× event time: about 1.1 s of wall time.
        let sent = try source.run(simulator, speed: 1_200, duration: 1.1, waitForSubscribers: 1)
        #expect(sent > 60 * 10 * 20)
        #expect(eventually { live.status.ingest.frames == sent })
        live.stop()
        let published = Int(live.status.lastSequence)
        #expect(eventually { received.count >= published })

        let alerts = received.all
        #expect(alerts.count == published)
        #expect(alerts.map(ExpectedAlert.init) == ExpectedAlert.forCycle(of: simulator))
        #expect(alerts.map(\.seq) == Array(1...UInt64(alerts.count)))
        #expect(live.status.ingest.rejectedTotal == 0)
    }
}
