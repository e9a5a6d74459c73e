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

    @Test("at full rate every alert is timed from its own trigger's arrival, never longer than an outside probe measures from its send")
    func fullRate() throws {
        let directory = try makeTemporaryDirectory("latency-full")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let feed = "ipc://\(directory)/feed.ipc"
        let sensors = 500, events = 100_000
        // Send times by input position (each event is accepted, so its position is its index).
        let sent = Mutex<[UInt64]>(Array(repeating: 0, count: events))
        let published = Mutex<[Int64]>([])  // each alert's trigger position, in publish order
        let reported = Mutex<[UInt64]>([])
        var configuration = LivePipeline.Configuration(
            pipeline: try PipelineLoader.load(yaml: """
                departments: { traffic-police: { storm_limit: 1000000, storm_window: 1m } }
                \(Self.pipeline)
                """),
            feeds: FeedEndpoints(pull: [feed]), alertEndpoints: ["tcp://127.0.0.1:*"], partitions: 2, deterministic: true
        )
        configuration.onAlertLatency = { nanoseconds in reported.withLock { $0.append(nanoseconds) } }
        configuration.onPublished = { batch in
            let alerts = batch.timedRecords.compactMap { record, trigger -> Int64? in
                if case .alert = record { trigger } else { nil }
            }
            published.withLock { $0 += alerts }
        }
        let live = try LivePipeline(context: context, configuration: configuration, logger: Logger(label: "latency"))
        try live.start()
        defer { live.stop() }
        // The probe: a subscriber of its own on a thread of its own, timing each alert's arrival.
        let endpoint = try #require(live.publisher?.boundEndpoints.first)
        let received = Mutex<[UInt64]>([])
        let stopProbe = Atomic<Bool>(false)
        let subscribed = DispatchSemaphore(value: 0)
        let probing = Thread {
            guard let probe = try? Socket(context, .sub), (try? probe.setReceiveHighWaterMark(0)) != nil,
                  (try? probe.setReceiveTimeout(milliseconds: 100)) != nil, (try? probe.subscribe("alert.")) != nil,
                  (try? probe.connect(endpoint)) != nil else {
                subscribed.signal()
                return
            }
            subscribed.signal()
            while !stopProbe.load(ordering: .relaxed) {
                guard (try? probe.receiveMessage()) != nil else { continue }
                let now = SystemClock().uptimeNanoseconds
                received.withLock { $0.append(now) }
            }
        }
        probing.start()
        defer { stopProbe.store(true, ordering: .relaxed) }
        subscribed.wait()
        usleep(200_000)  // the subscription reaches the publisher

        // Five bursts of 20 000 readings as fast as the feed takes them, each within one second
        // of event time (40 rounds of every sensor, 20 ms apart); a sensor is slow in every fourth
        // second of its own. Between bursts the engine drains; the first reading of the next burst
        // then closes the 500 windows of the last second. A clock that charged a trigger the
        // arrival of any earlier reading would charge it the pause too.
        let push = try Socket(context, .push)
        try push.connect(feed)
        let start: Int64 = 1_732_269_600_000
        let perBurst = events / 5
        for index in 0..<events {
            let second = index / perBurst, round = (index % perBurst) / sensors, sensor = index % sensors
            if index > 0, index % perBurst == 0 {
                #expect(eventually(within: 30) { live.engine.statistics.events == index })
                usleep(100_000)
            }
            let time = start + Int64(second) * 1_000 + Int64(round) * 20
            let speed = (sensor + second) % 4 == 0 ? 10 : 60
            let frame = #"{"kind":"traffic","sensor":"seg-\#(sensor)","district":"d01","ts":\#(time),"speed_kmh":\#(speed)}"#
            let now = SystemClock().uptimeNanoseconds
            sent.withLock { $0[index] = now }
            try push.send(frame)
        }
        #expect(eventually(within: 30) { live.engine.statistics.events == events })
        #expect(eventually(within: 10) {
            let count = published.withLock { $0.count }
            return count == sensors + sensors * 3 / 4 && received.withLock { $0.count } == count && reported.withLock { $0.count } == count
        }, "published \(published.withLock { $0.count }), received \(received.withLock { $0.count }), timed \(reported.withLock { $0.count })")
        stopProbe.store(true, ordering: .relaxed)
        let triggers = published.withLock { $0 }, arrivals = received.withLock { $0 }, timed = reported.withLock { $0 }
        let sendTimes = sent.withLock { $0 }
        guard triggers.count == arrivals.count, triggers.count == timed.count else { return }
        // The engine times from the receipt of the trigger's batch, which is after the trigger was
        // sent: never longer than the probe's send-to-arrival, but for scheduling (the publisher
        // reads its clock just after sending; the probe's thread may run first). A clock that
        // charged a trigger an earlier reading's arrival charges it the 100 ms pause before the
        // burst: 112 ms timed against 7 ms probed when this was broken. 25 ms of slack lies far
        // from that and above what a busy CI machine preempts a thread for (5 ms failed there).
        var over: [String] = []
        for (index, trigger) in triggers.enumerated() {
            let probe = Int64(arrivals[index]) - Int64(sendTimes[Int(trigger)])
            if Int64(timed[index]) > probe + 25_000_000 { over.append("alert \(index): \(timed[index] / 1_000) µs timed, \(probe / 1_000) µs probed") }
        }
        #expect(over.isEmpty, "\(over.prefix(5))")
        #expect(timed.allSatisfy { $0 > 0 })
    }
}
