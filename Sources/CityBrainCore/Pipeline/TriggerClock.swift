/// Maps a watermark threshold to the input position where the engine's watermark first reached
/// it, within the current batch. Window results carry that position so the ordered merge can order
/// them identically whatever the partitioning and batching.
struct TriggerClock: Sendable {
    /// Input position of the batch's first event.
    var firstIndex: Int64
    /// The watermark after each event of the batch (non-decreasing).
    var watermarks: [Int64]

    /// The first position whose watermark is at least `threshold`; the end of the batch if none
    /// (the end-of-input flush).
    func position(reaching threshold: Int64) -> Int64 {
        var low = 0, high = watermarks.count
        while low < high {
            let middle = (low + high) / 2
            if watermarks[middle] >= threshold { high = middle } else { low = middle + 1 }
        }
        return firstIndex + Int64(low)
    }
}
