import CityBrainCore
@testable import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Synchronization
import Testing
import ZeroMQ

@Suite("Ingest-to-alert latency")
struct LatencyProbeTests {
    static let pipeline = """
    watermark: { max_out_of_orderness: 0s }
    rules:
      - { name: slow, match: { kind: traffic }, window: { tumbling: 1s }, when: mean(speed_kmh) < 20, department: traffic-police }
    """

    @Test("at 10 events a second each alert is timed from its own trigger's arrival: milliseconds, not the seconds a sampled clock charged")
    func slowFeed() throws {
        let directory = try makeTemporaryDirectory("latency")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let feed = "ipc://\(directory)/feed.ipc"
        let latencies = Mutex<[UInt64]>([])
        var configuration = LivePipeline.Configuration(
            pipeline: try PipelineLoader.load(yaml: Self.pipeline), feeds: FeedEndpoints(pull: [feed]), alertEndpoints: ["tcp://127.0.0.1:*"],
            partitions: 2, deterministic: true
        )
        configuration.onAlertLatency = { nanoseconds in latencies.withLock { $0.append(nanoseconds) } }
        let live = try LivePipeline(context: context, configuration: configuration, logger: Logger(label: "latency"))
        try live.start()
        defer { live.stop() }
        let push = try Socket(context, .push)
        try push.connect(feed)
        // 30 events, 100 ms apart in event time and on the wall clock; slow in even seconds, so
        // every window close raises or resolves an alert.
        let start: Int64 = 1_732_269_600_000
        for index in 0..<30 {
            let speed = (index / 10) % 2 == 0 ? 10 : 60
            try push.send(#"{"kind":"traffic","sensor":"seg-1","district":"d01","ts":\#(start + Int64(index) * 100),"speed_kmh":\#(speed)}"#)
            usleep(100_000)
        }
        #expect(eventually(within: 5) { latencies.withLock { $0.count } >= 2 })
        let measured = latencies.withLock { $0 }
        // A sample every 64 positions charged these alerts the arrival of the first event,
        // one to three seconds earlier.
        #expect(measured.allSatisfy { $0 < 250_000_000 }, "\(measured.map { $0 / 1_000_000 }) ms")
    }
}
