@testable import CityBrainCore
import Foundation
import Testing

@Suite("Local time zones")
struct LocalTimeZoneTests {
    /// Local minus UTC, in ms, as the system says.
    static func system(_ identifier: String, _ time: Int64) -> Int64 {
        Int64(TimeZone(identifier: identifier)!.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000))) * 1000
    }

    @Test("the offset table gives the system's offset at every hour of 2019–2031 and a millisecond either side of each change",
          arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo", "UTC"])
    func matchesSystem(identifier: String) throws {
        let zone = try #require(LocalTimeZone(identifier: identifier))
        let from: Int64 = 1_546_300_800_000, to: Int64 = 1_956_528_000_000  // 2019-01-01 … 2032-01-01
        var mismatches: [Int64] = []
        var previous = zone.offset(at: from)
        for time in stride(from: from, to: to, by: 3_600_000) {
            let offset = zone.offset(at: time)
            if offset != Self.system(identifier, time) { mismatches.append(time) }
            if offset != previous {
                // Find the change to the millisecond, then check either side of it.
                var low = time - 3_600_000, high = time
                while high - low > 1 {
                    let middle = (low + high) / 2
                    if Self.system(identifier, middle) == previous { low = middle } else { high = middle }
                }
                for edge in [low, high] where zone.offset(at: edge) != Self.system(identifier, edge) { mismatches.append(edge) }
                previous = offset
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("outside the table (before 1970, after 2200) the system is asked")
    func outsideTable() throws {
        let zone = try #require(LocalTimeZone(identifier: "Europe/Berlin"))
        for time: Int64 in [-1_000_000_000_000, 7_300_000_000_000] {
            #expect(zone.offset(at: time) == Self.system("Europe/Berlin", time))
        }
    }
}
