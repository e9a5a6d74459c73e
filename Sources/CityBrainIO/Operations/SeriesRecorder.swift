import CityBrainCore
import Synchronization

/// Keeps the recent scored readings of every anomaly rule and sensor (a ``ScoreSeriesStore``)
/// from the engine's output, for the operations page to draw an alert's series with its
/// expected band. An output sink that takes only score records; safe to read from any thread.
public final class SeriesRecorder: OutputSink {
    private let store: Mutex<ScoreSeriesStore>

    public init(store: ScoreSeriesStore = ScoreSeriesStore()) {
        self.store = Mutex(store)
    }

    public func deliver(_ records: [OutputRecord]) {
        let scores = records.compactMap { record -> ReadingScore? in
            if case .score(let score) = record { return score }
            return nil
        }
        guard !scores.isEmpty else { return }
        store.withLock { store in
            for score in scores { store.record(score) }
        }
    }

    public func close() {}

    /// The series of `rule` for `sensor`, oldest first (empty when none was scored).
    public func points(rule: String, sensor: String) -> [ScoreSeriesStore.Point] {
        store.withLock { $0.points(rule: rule, sensor: sensor) }
    }
}
