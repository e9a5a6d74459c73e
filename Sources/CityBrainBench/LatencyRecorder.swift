import CityBrainCore
import CityBrainIO
import Histogram
import Synchronization

/// Ingest→alert latency: for every alert published, the time from its trigger event's send to
/// the publish, in microseconds, in an HdrHistogram (3 significant digits, up to 1 hour).
public final class LatencyRecorder: Sendable {
    private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three))
    private let untimed = Atomic<Int>(0)
    private let timeline: PositionClock

    /// - Parameter timeline: the send time of each input position.
    public init(timeline: PositionClock) {
        self.timeline = timeline
    }

    /// Records the alerts of one published batch, timed from their triggers (alerts without
    /// one, published by hand, are left out).
    public func published(_ batch: OutputBatch) {
        let now = monotonicNanoseconds()
        var samples: [UInt64] = []
        for (record, trigger) in batch.timedRecords {
            guard case .alert = record, let trigger else { continue }
            guard let sent = timeline.time(of: trigger) else {
                untimed.add(1, ordering: .relaxed)
                continue
            }
            samples.append(now >= sent ? (now - sent) / 1_000 : 0)
        }
        guard !samples.isEmpty else { return }
        histogram.withLock { histogram in
            // Beyond an hour is recorded as an hour rather than dropped.
            for sample in samples { _ = histogram.record(Swift.min(Swift.max(1, sample), histogram.highestTrackableValue)) }
        }
    }

    /// The percentiles so far.
    public var summary: LatencySummary {
        histogram.withLock { histogram in
            LatencySummary(
                alerts: Int(histogram.totalCount), untimed: untimed.load(ordering: .relaxed),
                p50: histogram.valueAtPercentile(50), p99: histogram.valueAtPercentile(99),
                p999: histogram.valueAtPercentile(99.9), max: histogram.max
            )
        }
    }
}

/// Latency percentiles in microseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    /// Alerts measured.
    public var alerts: Int
    /// Alerts whose trigger had no send time (finish-time records, frames beyond the timeline).
    public var untimed: Int
    public var p50: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64
}
