import Foundation

/// A sensor's own reporting interval, learnt robustly in event time.
///
/// A running median of the intervals between readings, kept in log space: each interval moves
/// the estimate a fixed fraction (10 %) up or down, whatever its size, so a long gap or a burst
/// of repeated readings barely moves it, while a lasting change of cadence is followed within a
/// few dozen readings. 8 bytes of state.
public struct CadenceEstimator: Sendable, Hashable {
    /// log(interval in ms); `nan` until the first interval.
    private var logInterval: Float = .nan
    /// Intervals seen, saturating.
    public private(set) var samples: UInt16 = 0

    /// Step of the log estimate per interval: 10 % of the interval.
    private static let step: Float = 0.1

    public init() {}

    /// The learnt interval in ms, or `nil` before the first interval.
    public var interval: Int64? {
        logInterval.isNaN ? nil : Int64(exp(Double(logInterval)).rounded())
    }

    /// Adds the interval between two consecutive readings (ms, positive).
    public mutating func add(interval: Int64) {
        guard interval > 0 else { return }
        let observed = Float(log(Double(interval)))
        if logInterval.isNaN {
            logInterval = observed
        } else if observed > logInterval {
            logInterval += Self.step
            if logInterval > observed { logInterval = observed }  // never past the observation
        } else if observed < logInterval {
            logInterval -= Self.step
            if logInterval < observed { logInterval = observed }
        }
        if samples < .max { samples += 1 }
    }
}
