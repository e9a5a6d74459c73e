import CityBrainCore
import CityBrainIO

import CityBrainTesting
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// A sink that keeps what it is given.
final class CollectingSink: OutputSink {
    let records = Collector<OutputRecord>()
    func deliver(_ records: [OutputRecord]) { self.records.append(records) }
    func close() {}
    var alerts: [Alert] { records.all.compactMap(\.alert) }
}

/// A started live pipeline running the default city rules on a PULL feed, collecting into `sinks`.
func cityPipeline(context: Context, feed: String, sinks: [any OutputSink], alertEndpoints: [String] = [],
                  journal: AlertJournal? = nil, catchup: [String] = []) throws -> LivePipeline {
    let live = try LivePipeline(
        context: context,
        configuration: .init(pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(pull: [feed]), alertEndpoints: alertEndpoints,
                             partitions: 2, deterministic: true, journal: journal, catchupEndpoints: catchup),
        sinks: sinks, logger: Logger(label: "test")
    )
    try live.start()
    return live
}
