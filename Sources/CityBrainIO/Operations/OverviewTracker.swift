import CityBrainCore
import Synchronization

/// The page's ``CityOverview``, kept from the window results of ``PageOverviewOutputs`` as an
/// output sink of the alert dispatcher (so it follows the watermark like the alerts), and read
/// by the web page.
public final class OverviewTracker: OutputSink, Sendable {
    private let overview: Mutex<CityOverview>

    public init(minutes: Int = 60) {
        overview = Mutex(CityOverview(minutes: minutes))
    }

    public func deliver(_ records: [OutputRecord]) {
        let results = records.compactMap { record -> WindowResult? in
            if case .window(let result) = record { return result }
            return nil
        }
        guard !results.isEmpty else { return }
        overview.withLock { $0.observe(results) }
    }

    public func close() {}

    /// A copy of the overview now.
    public var snapshot: CityOverview { overview.withLock { $0 } }
}
