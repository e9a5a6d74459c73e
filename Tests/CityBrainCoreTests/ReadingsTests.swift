import CityBrainCore
import Testing

@Suite("An event's readings")
struct ReadingsTests {
    static func readings(_ count: Int) -> [Reading] {
        (0..<count).map { Reading("m\($0)", Double($0)) }
    }

    @Test("behave like an array past the four held inline", arguments: [0, 1, 4, 5, 9])
    func likeAnArray(count: Int) {
        let expected = Self.readings(count)
        var readings = Readings()
        for reading in expected { readings.append(reading) }
        #expect(Array(readings) == expected)
        #expect(readings.count == count)
        #expect(readings == Readings(expected))
        #expect(readings.hashValue == Readings(expected).hashValue)
        if count > 0 {
            readings[count - 1] = Reading("last", -1)
            #expect(readings.last == Reading("last", -1))
        }
    }

    @Test("removeAll(where:) keeps the others in order, across the inline and the spilled readings")
    func removeWhere() {
        var readings = Readings(Self.readings(9))
        readings.removeAll { Int($0.value) % 3 == 0 }
        #expect(Array(readings) == Self.readings(9).filter { Int($0.value) % 3 != 0 })
        readings.removeAll { $0.value > 4 }
        #expect(Array(readings) == [Reading("m1", 1), Reading("m2", 2), Reading("m4", 4)])
        // Equal to readings built afresh: what removal left behind in the slots does not count.
        #expect(readings == [Reading("m1", 1), Reading("m2", 2), Reading("m4", 4)])
        #expect(readings.hashValue == Readings([Reading("m1", 1), Reading("m2", 2), Reading("m4", 4)]).hashValue)
        readings.append(Reading("again", 5))
        #expect(readings.count == 4 && readings[3] == Reading("again", 5))
    }

    @Test("replacing a range and removing everything")
    func replace() {
        var readings = Readings(Self.readings(6))
        readings.replaceSubrange(1..<5, with: [Reading("x", 10)])
        #expect(Array(readings) == [Reading("m0", 0), Reading("x", 10), Reading("m5", 5)])
        readings.removeAll()
        #expect(readings.isEmpty && readings == [])
        readings.insert(Reading("first", 1), at: 0)
        #expect(Array(readings) == [Reading("first", 1)])
    }
}
