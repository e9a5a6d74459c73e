/// The readings of one ``Event``, in frame order: the first four held inline, any more in an
/// array. A feed's event carries one to four measurements, so decoding one allocates nothing for
/// its readings, and nothing is freed (often on another thread) when it has been processed.
///
/// Use it like an array: `event.readings.count`, `for reading in event.readings`, an array
/// literal (`[Reading("speed_kmh", 43.5)]`), `append`, `removeAll(where:)`.
public struct Readings: Sendable {
    /// How many readings are held without an allocation.
    public static let inlineCapacity = 4

    private var inline = InlineArray<4, Reading>(repeating: Reading("", 0))
    /// The readings after the fourth.
    private var overflow: [Reading] = []
    public private(set) var count = 0

    public init() {}
}

extension Readings: RandomAccessCollection, MutableCollection {
    public typealias Index = Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Reading {
        get {
            precondition(position >= 0 && position < count, "reading index \(position) out of range 0..<\(count)")
            return position < Self.inlineCapacity ? inline[position] : overflow[position - Self.inlineCapacity]
        }
        set {
            precondition(position >= 0 && position < count, "reading index \(position) out of range 0..<\(count)")
            if position < Self.inlineCapacity { inline[position] = newValue } else { overflow[position - Self.inlineCapacity] = newValue }
        }
    }
}

extension Readings: RangeReplaceableCollection {
    public mutating func append(_ reading: Reading) {
        if count < Self.inlineCapacity { inline[count] = reading } else { overflow.append(reading) }
        count += 1
    }

    public mutating func append<S: Sequence>(contentsOf readings: S) where S.Element == Reading {
        for reading in readings { append(reading) }
    }

    public init<S: Sequence>(_ readings: S) where S.Element == Reading {
        self.init()
        append(contentsOf: readings)
    }

    /// Removes the readings for which `shouldBeRemoved` holds, keeping the others in order, in
    /// place.
    public mutating func removeAll(where shouldBeRemoved: (Reading) throws -> Bool) rethrows {
        var kept = 0
        for index in 0..<count {
            let reading = self[index]
            guard try !shouldBeRemoved(reading) else { continue }
            if kept != index { self[kept] = reading }
            kept += 1
        }
        truncate(to: kept)
    }

    public mutating func removeAll(keepingCapacity keepCapacity: Bool = false) {
        truncate(to: 0)
        if !keepCapacity { overflow = [] }
    }

    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C) where C.Element == Reading {
        var all = Array(self)
        all.replaceSubrange(subrange, with: newElements)
        truncate(to: 0)
        for reading in all { append(reading) }
    }

    /// Keeps the first `newCount` readings; the slots let go hold an empty reading again.
    private mutating func truncate(to newCount: Int) {
        let inlineEnd = Swift.min(count, Self.inlineCapacity)
        if newCount < inlineEnd {
            for index in newCount..<inlineEnd { inline[index] = Reading("", 0) }
        }
        overflow.removeLast(Swift.max(0, count - Swift.max(newCount, Self.inlineCapacity)))
        count = newCount
    }
}

extension Readings: ExpressibleByArrayLiteral {
    public init(arrayLiteral readings: Reading...) {
        self.init(readings)
    }
}

extension Readings: Hashable {
    public static func == (lhs: Readings, rhs: Readings) -> Bool {
        lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for reading in self { hasher.combine(reading) }
    }
}

extension Readings: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { Array(self).description }
    public var debugDescription: String { Array(self).debugDescription }
}
