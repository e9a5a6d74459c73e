/// How a pipeline spreads the close of many keys' tumbling and sliding windows over event time
/// (``WatermarkPolicy/closeSpread``).
///
/// Windows align to the epoch, so without a spread every key's window of an aggregation closes
/// at the same watermark step: at 100 000 sensors one input position then costs a third of a
/// second of window results and rule evaluations, and everything behind it waits. With a spread,
/// each key sees the watermark a fixed lag behind the engine's: `span × slice / slices`, where its
/// slice comes from a stable hash of its id. A key's windows then close (and its late events are
/// judged) by its own lagging watermark, so a close of many keys comes in ``slices`` steps, each
/// at its own input position, with the input in between.
///
/// Everything stays a function of the input: the slice depends only on the key's id, never on
/// the partition or the run, so replays and any partitioning give the same output. A key's
/// windows keep their bounds; only their close is later, by less than the span.
public struct CloseSpread: Sendable, Hashable {
    /// The event time (ms) over which closes are spread; 0 closes every key at the window's end.
    public let span: Int64

    /// How many steps a close is cut into: at 100 000 sensors a slice is some 800 keys, a few
    /// milliseconds of a partition's time. With 64 the bench's half-rate median latency was
    /// 7–9 ms, with 128 it is 5 ms (docs/performance.md). At most 255 (a slice is a byte, and
    /// ``GroupedSlots`` keeps 255 for a block of no slice).
    public static let slices = 128

    /// No spread: every window closes when the engine's watermark reaches its end.
    public static let none = CloseSpread(span: 0)

    public init(span: Int64) {
        precondition(span >= 0, "a close spread is not negative")
        self.span = span
    }

    /// The slice of a key, from its id: its stable hash, mixed again. FNV-1a alone spreads ids
    /// that differ in their last characters over few slices (`s0` … `s199` fell in 43 of 64,
    /// where about 61 are expected), and its low bits pick the key's partition
    /// (``StableHash/partition(of:count:)``), which would give each partition only some slices.
    public static func slice(of key: String) -> UInt8 {
        var hash = StableHash.fnv1a(key)
        // The 64-bit finaliser of MurmurHash3: every bit of the input moves every bit of the output.
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return UInt8(truncatingIfNeeded: hash % UInt64(slices))
    }

    /// How far behind the engine's watermark a key of `slice` sees it, in ms.
    @inline(__always)
    public func lag(ofSlice slice: UInt8) -> Int64 {
        span == 0 ? 0 : span * Int64(slice) / Int64(Self.slices)
    }

    /// The watermark a key of `slice` sees when the engine's is `watermark`.
    @inline(__always)
    func watermark(_ watermark: Int64, slice: UInt8) -> Int64 {
        let lag = lag(ofSlice: slice)
        return watermark == .min || watermark == .max ? watermark : watermark - lag
    }
}
