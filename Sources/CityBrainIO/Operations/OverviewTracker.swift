import CityBrainCore
import Synchronization

/// A ``CityOverview`` shared between the ingest thread, which feeds it every batch, and readers
/// such as the web page.
public final class OverviewTracker: Sendable {
    private let overview: Mutex<CityOverview>

    public init(minutes: Int = 60) {
        overview = Mutex(CityOverview(minutes: minutes))
    }

    public func observe(_ events: [Event]) {
        overview.withLock { $0.observe(events) }
    }

    /// A copy of the overview now.
    public var snapshot: CityOverview { overview.withLock { $0 } }
}
