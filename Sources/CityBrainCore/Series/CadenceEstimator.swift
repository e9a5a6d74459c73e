import Foundation

/// A sensor's own reporting rhythm, learnt robustly in event time: its usual interval and its
/// usual longest gap.
///
/// Both are running quantiles of the intervals between readings, kept in log space so that each
/// interval moves them by a bounded fraction whatever its size. The usual interval is the
/// median: each interval moves it 10 % up or down (never past the interval itself). The usual
/// longest gap is the 95th percentile: an interval above it raises it by 48 % (log step 0.475),
/// one below lowers it by 2.5 %, so it settles where one interval in twenty is longer. A single long outage barely
/// moves either, while a lasting change of cadence is followed within a few dozen readings.
/// 12 bytes of state.
public struct CadenceEstimator: Sendable, Hashable {
    /// log(median interval in ms); `nan` until the first interval.
    private var logInterval: Float = .nan
    /// log(95th-percentile interval in ms); `nan` until the first interval.
    private var logLongGap: Float = .nan
    /// Intervals seen, saturating.
    public private(set) var samples: UInt16 = 0

    /// Step of the median per interval: 10 %.
    private static let step: Float = 0.1
    /// Steps of the 95th percentile in log space: up `0.95 × 0.5`, down `0.05 × 0.5`.
    private static let gapStepUp: Float = 0.475
    private static let gapStepDown: Float = 0.025

    public init() {}

    /// The learnt median interval in ms, or `nil` before the first interval.
    public var interval: Int64? {
        logInterval.isNaN ? nil : Int64(exp(Double(logInterval)).rounded())
    }

    /// The learnt usual longest gap (95th percentile of the intervals) in ms, or `nil` before the
    /// first interval.
    public var longGap: Int64? {
        logLongGap.isNaN ? nil : Int64(exp(Double(logLongGap)).rounded())
    }

    /// Adds the interval between two consecutive readings (ms, positive).
    public mutating func add(interval: Int64) {
        guard interval > 0 else { return }
        let observed = Float(log(Double(interval)))
        if logInterval.isNaN {
            logInterval = observed
            logLongGap = observed
        } else {
            if observed > logInterval {
                logInterval = min(logInterval + Self.step, observed)  // never past the observation
            } else if observed < logInterval {
                logInterval = max(logInterval - Self.step, observed)
            }
            logLongGap += observed > logLongGap ? Self.gapStepUp : -Self.gapStepDown
            logLongGap = max(logLongGap, logInterval)
        }
        if samples < .max { samples += 1 }
    }
}

extension CadenceEstimator: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(logInterval)
        writer.write(logLongGap)
        writer.write(samples)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        logInterval = try reader.read()
        logLongGap = try reader.read()
        samples = try reader.read()
    }
}
