import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

/// The page's overview comes from the engine's window outputs through an output sink: it shows a
/// minute once the watermark has closed it, like the alerts, and hot reloads keep its outputs.
@Suite("Page overview from window outputs")
struct PageOverviewLiveTests {
    static let t0: Int64 = 1_732_269_600_000

    @Test("a minute of parking and traffic shows on the overview once the watermark closes it; a reload keeps the page's outputs")
    func overviewFollowsTheWatermark() throws {
        let directory = try makeTemporaryDirectory("page-overview")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        let feed = "ipc://\(directory)/feed"
        var configuration = LivePipeline.Configuration(pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(pull: [feed]), alertEndpoints: [],
                                                       partitions: 2, deterministic: true)
        configuration.overview = true
        let live = try LivePipeline(context: context, configuration: configuration, logger: Logger(label: "test"))
        try live.start()
        defer { live.stop() }
        #expect(live.engine.pipeline.outputs.map(\.name).contains(PageOverviewOutputs.traffic))
        let push = try Socket(context, .push)
        defer { push.close() }
        try push.connect(feed)
        func send(_ event: Event) throws { try push.send(Message(EventEncoder.json(event))) }
        try send(Event(kind: .parking, sensor: "g1", district: "d01", timestamp: Self.t0 + 1_000, readings: [Reading("occupied", 400), Reading("capacity", 450)]))
        try send(Event(kind: .traffic, sensor: "s1", district: "d02", timestamp: Self.t0 + 2_000, readings: [Reading("speed_kmh", 40)]))
        try send(Event(kind: .traffic, sensor: "s2", district: "d02", timestamp: Self.t0 + 3_000, readings: [Reading("speed_kmh", 20)]))
        #expect(eventually { live.status.ingest.accepted == 3 })
        // The minute is still open: nothing shows yet.
        #expect(live.overview?.snapshot.speedByDistrict.isEmpty == true)
        // A reading two minutes on moves the watermark past it.
        try send(Event(kind: .environment, sensor: "aq-1", district: "d03", timestamp: Self.t0 + 130_000, readings: [Reading("pm25", 10)]))
        #expect(eventually { live.overview?.snapshot.speedByDistrict["d02"]?.map(\.meanSpeed) == [30] })
        #expect(live.overview?.snapshot.parkingByDistrict["d01"]?.map(\.free) == [50])
        #expect(live.status.ingest.decodedByKind == [.parking: 1, .traffic: 2, .environment: 1])

        // The pipeline files reloaded without the page's outputs: the running pipeline keeps them.
        _ = live.reload(try BuiltInPipeline.city())
        #expect(live.engine.pipeline.outputs.map(\.name).contains(PageOverviewOutputs.parking))
    }
}
