@testable import CityBrainCore
import Testing

@Suite("The sensors a storm or a grouped alert lists")
struct StormListingTests {
    @Test("the first of the distinct names in sorted order, and how many distinct ones there are", arguments: [0, 7, 1_000, 1_001, 6_000])
    func listed(count: Int) {
        var random = SeededRandom(seed: UInt64(count) + 1)
        // Names repeat (a sensor raising twice), in no order.
        let names = (0..<count).map { _ in "seg-\(Int.random(in: 0..<max(1, count * 3 / 4), using: &random))" }
        let distinct = Array(Set(names)).sorted()
        let (listed, total) = AlertCorrelator.listed(names)
        #expect(listed == Array(distinct.prefix(AlertCorrelator.listedSensors)))
        #expect(total == distinct.count)
    }
}
