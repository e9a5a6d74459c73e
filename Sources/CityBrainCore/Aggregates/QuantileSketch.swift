import Foundation

/// A DDSketch (Masson, Rim and Lee, VLDB 2019): quantiles with a guaranteed relative error,
/// mergeable across panes, windows and partitions.
///
/// For a quantile `q` over `n` values, the exact answer is the value of rank `⌊q·(n−1)⌋` (0-based)
/// in sorted order. The sketch returns a value within ±``relativeAccuracy`` (1 %) of it, for
/// positive and negative values alike; zero is exact. Memory grows with the logarithm of the
/// value range, not with the count: speeds from 0.1 to 300 km/h need at most ~400 buckets.
public struct QuantileSketch: Sendable, Hashable {
    /// The guaranteed relative accuracy α.
    public static let relativeAccuracy = 0.01
    private static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    private static let logGamma = Foundation.log(gamma)
    /// Values closer to zero than this count as zero.
    private static let minimumMagnitude = 1e-9

    private var positive: [Int32: UInt32] = [:]
    private var negative: [Int32: UInt32] = [:]
    private var zeros: UInt32 = 0
    public private(set) var count: Int = 0

    public init() {}

    /// Buckets in use, for memory accounting.
    public var bucketCount: Int { positive.count + negative.count }

    public mutating func add(_ value: Double) {
        count += 1
        if value > Self.minimumMagnitude {
            positive[Self.index(value), default: 0] += 1
        } else if value < -Self.minimumMagnitude {
            negative[Self.index(-value), default: 0] += 1
        } else {
            zeros += 1
        }
    }

    public mutating func merge(_ other: QuantileSketch) {
        count += other.count
        zeros += other.zeros
        positive.merge(other.positive, uniquingKeysWith: +)
        negative.merge(other.negative, uniquingKeysWith: +)
    }

    /// The `q`-quantile (0 ≤ q ≤ 1), or `nil` when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = UInt64((min(max(q, 0), 1) * Double(count - 1)).rounded(.down))
        var seen: UInt64 = 0
        // Negative values, most negative first: largest index of |x| first.
        for index in negative.keys.sorted(by: >) {
            seen += UInt64(negative[index]!)
            if seen > rank { return -Self.value(index) }
        }
        seen += UInt64(zeros)
        if seen > rank { return 0 }
        for index in positive.keys.sorted() {
            seen += UInt64(positive[index]!)
            if seen > rank { return Self.value(index) }
        }
        return positive.keys.max().map(Self.value)
    }

    /// Bucket `i` holds values in (γ^(i−1), γ^i].
    private static func index(_ magnitude: Double) -> Int32 {
        Int32(Foundation.ceil(Foundation.log(magnitude) / logGamma))
    }

    /// The bucket's representative value, within α of everything in it.
    private static func value(_ index: Int32) -> Double {
        2 * Foundation.pow(gamma, Double(index)) / (gamma + 1)
    }
}

extension QuantileSketch: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(positive)
        writer.write(negative)
        writer.write(zeros)
        writer.write(count)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        positive = try reader.read()
        negative = try reader.read()
        zeros = try reader.read()
        count = try reader.read()
    }
}
