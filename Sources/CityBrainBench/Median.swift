/// The median of `values` (the mean of the middle two for an even count; 0 for none): how the
/// benchmarks report repeated measurements on a shared, noisy machine.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
