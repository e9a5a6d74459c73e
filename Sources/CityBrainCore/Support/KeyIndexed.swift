/// Per-key state in an array indexed by key id (``KeyTable`` indices are dense, from 0), for the
/// state read with nearly every reading: no hashing and no probing, where a
/// `Dictionary<Int32, Value>` find was the largest single cost of the per-reading rules.
///
/// It holds a slot for every key id up to the largest one given a value, so a table whose keys
/// are a small share of a partition's (one kind of several) costs more memory than a dictionary;
/// it is used where the state is read for every reading. Iteration is in key order.
///
/// The slots are kept in copy-on-write chunks of ``chunkLength`` (``ChunkedArray``): after a
/// checkpoint captured the table, the first reading of a key copies its chunk, not every key's
/// state (at a million sensors an anomaly rule's detectors are 44 MB per partition, which a
/// flat array copied whole on the first reading after each checkpoint).
struct KeyIndexed<Value> {
    /// Keys per chunk of slots.
    static var chunkLength: Int { 1_024 }

    private var slots = ChunkedArray<Value?>(chunkLength: chunkLength)
    /// Whether each slot holds a value: checked instead of the slot itself, whose comparison with
    /// `nil` would copy the value (an anomaly detector, per reading).
    private var present: [Bool] = []
    private(set) var count = 0

    init() {}

    /// Slots allocated (the largest key id given a value, plus one, or more).
    var capacity: Int { slots.capacity }
    var isEmpty: Bool { count == 0 }

    subscript(key: Int32) -> Value? {
        get { Int(key) < slots.count ? slots[Int(key)] : nil }
        set {
            let index = Int(key)
            if let newValue {
                grow(to: index)
                if !present[index] {
                    present[index] = true
                    count += 1
                }
                slots[index] = newValue
            } else if index < slots.count, present[index] {
                slots[index] = nil
                present[index] = false
                count -= 1
            }
        }
    }

    /// The value of `key`, set to `defaultValue` first when it has none; changed in place.
    subscript(key: Int32, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            let index = Int(key)
            grow(to: index)
            if !present[index] {
                slots[index] = defaultValue()
                present[index] = true
                count += 1
            }
            yield &slots[index]!
        }
    }

    /// Whether `key` has a value (without reading it, which would copy it).
    func contains(_ key: Int32) -> Bool { Int(key) < present.count && present[Int(key)] }

    /// Changes the value of `key`, which must have one, in place with `body`. Unlike the
    /// `default:` subscript this is no coroutine: a default that captures (an anomaly rule's
    /// settings) was a closure context allocated on the heap per call (`perf probe` on malloc:
    /// half of an anomaly rule's allocations, two per reading).
    @inline(__always)
    mutating func update<Result>(_ key: Int32, _ body: (inout Value) -> Result) -> Result {
        precondition(contains(key), "update of a key without a value")
        return body(&slots[Int(key)]!)
    }

    @discardableResult
    mutating func removeValue(forKey key: Int32) -> Value? {
        let index = Int(key)
        guard index < slots.count, present[index] else { return nil }
        let value = slots[index]
        slots[index] = nil
        present[index] = false
        count -= 1
        return value
    }

    private mutating func grow(to index: Int) {
        guard index >= slots.count else { return }
        let more = index - slots.count + 1
        slots.append(contentsOf: repeatElement(nil, count: more))
        present.append(contentsOf: repeatElement(false, count: more))
    }
}

extension KeyIndexed: Sequence {
    struct Iterator: IteratorProtocol {
        fileprivate let slots: ChunkedArray<Value?>
        fileprivate var index = 0

        mutating func next() -> (key: Int32, value: Value)? {
            while index < slots.count {
                defer { index += 1 }
                if let value = slots[index] { return (Int32(index), value) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(slots: slots) }
    var underestimatedCount: Int { count }
}

extension KeyIndexed: Sendable where Value: Sendable {}

extension KeyIndexed {
    /// Key ids read from a checkpoint must be below this (67 M keys in one partition): a larger
    /// one, from a damaged file, would allocate its whole range.
    static var largestKey: Int32 { 1 << 26 }
}

/// Written as a dictionary is (count, then key and value pairs), so checkpoints read either.
extension KeyIndexed: CheckpointCodable where Value: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.writeCount(count)
        for (key, value) in self {
            writer.write(key)
            writer.write(value)
        }
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        let count = try reader.readCount(minimumElementBytes: 2)
        self.init()
        for _ in 0..<count {
            let key: Int32 = try reader.read()
            guard key >= 0, key < Self.largestKey else { throw reader.invalid("key id \(key) beyond any key table") }
            self[key] = try reader.read(Value.self)
        }
    }
}
