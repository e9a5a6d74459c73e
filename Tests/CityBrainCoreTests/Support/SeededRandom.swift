import CityBrainCore

/// The tests' seeded generator.
typealias SeededRandom = SplitMix64

/// `a` and `b` agree to within a relative (or, near zero, absolute) 1e-9.
func close(_ a: Double?, _ b: Double?, tolerance: Double = 1e-9) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (x?, y?): return abs(x - y) <= tolerance * max(1, abs(x), abs(y))
    default: return false
    }
}
