import CityBrainCore
import CityBrainIO
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// A thread-safe list, filled from callbacks on other threads.
final class Collector<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ more: [Element]) { items.withLock { $0 += more } }
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}

/// A sink that keeps what it is given.
final class CollectingSink: OutputSink {
    let records = Collector<OutputRecord>()
    func deliver(_ records: [OutputRecord]) { self.records.append(records) }
    func close() {}
    var alerts: [Alert] { records.all.compactMap(\.alert) }
}

/// Polls `condition` every few milliseconds until it holds or `seconds` pass: for network tests,
/// where no event time can tell us that bytes have crossed a socket. Bounded, never a bare sleep.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
    while DispatchTime.now().uptimeNanoseconds < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
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
