import CityBrainCore
import CityBrainHandling
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("Operations desk in a live pipeline")
struct OperationsDeskTests {
    @Test("an acknowledgement is journaled and published in sequence, and survives a restart")
    func acknowledgementSurvivesRestart() throws {
        let directory = try makeTemporaryDirectory("desk")
        defer { removeTemporaryDirectory(directory) }
        let context = try Context()
        func start(_ name: String) throws -> (LivePipeline, String) {
            let feed = "ipc://\(directory)/feed-\(name)"
            var configuration = LivePipeline.Configuration(
                pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(pull: [feed]), alertEndpoints: [], partitions: 2,
                journal: try AlertJournal(directory: directory + "/journal")
            )
            configuration.handling = HandlingPolicy()
            let live = try LivePipeline(context: context, configuration: configuration, logger: Logger(label: "test"))
            try live.start()
            return (live, feed)
        }

        let (first, feed) = try start("a")
        let push = try Socket(context, .push)
        try push.connect(feed)
        let base: Int64 = 1_732_269_600_000
        for second in stride(from: 0 as Int64, through: 66, by: 6) {
            let speed = second < 60 ? 11.0 : 50.0
            try push.send(#"{"kind":"traffic","sensor":"seg-7","district":"d02","ts":\#(base + second * 1000),"speed_kmh":\#(speed),"occupancy":0.6}"#)
        }
        let id = "traffic-congestion:seg-7:\(base + 60_000)"
        #expect(first.isRunning)  // what /health reports as sockets_bound
        let desk = try #require(first.desk)
        #expect(eventually { desk[id] != nil })
        let acknowledged = try desk.perform(.acknowledge, on: id, by: "ana", note: "crew sent")
        #expect(acknowledged.status == .acknowledged)
        first.stop()
        #expect(!first.isRunning)

        let journal = try AlertJournal(directory: directory + "/journal")
        let records = try journal.alerts(after: 0)
        journal.close()
        #expect(records.map(\.state) == [.raised, .acknowledged])
        #expect(records.map(\.seq) == [1, 2])
        #expect(records[1].handling?.by == "ana")
        #expect(records[1].handling?.note == "crew sent")

        let (second, _) = try start("b")
        defer { second.stop() }
        let restored = try #require(second.desk?[id])
        #expect(restored.status == .acknowledged)
        #expect(restored.acknowledged?.by == "ana")
        #expect(throws: BoardError.alreadyAcknowledged(id, by: "ana")) { try second.desk?.perform(.acknowledge, on: id, by: "bo") }
    }
}
