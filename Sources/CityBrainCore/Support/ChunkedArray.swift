/// An array kept in chunks of a fixed length, each copy-on-write on its own.
///
/// A checkpoint captures the engine's state by sharing it (``PartitionState``). With one flat
/// array, the partition's first change after the capture copies the whole array — at a million
/// sensors, a batch held up for a hundred milliseconds and more. Here a change copies only its
/// chunk (and the small outer array of chunk references), so the copying is spread over the
/// batches that touch each chunk, and a chunk no batch touches before the writer lets go of it
/// is never copied at all.
///
/// Elements are read and changed in place (the subscript's addressors): reading an element that
/// holds a reference neither copies nor retains it. With chunks as nested arrays every read
/// returned a copy, and on the window-firing path those retains were 5 % of all CPU.
struct ChunkedArray<Element> {
    /// Elements per chunk (the last one may hold fewer).
    let chunkLength: Int
    private var chunks: [Chunk] = []
    private(set) var count = 0

    /// One chunk's elements in memory of its own; shared by copies of the array until one of
    /// them changes it.
    private final class Chunk {
        let elements: UnsafeMutablePointer<Element>
        var count = 0

        init(capacity: Int) {
            elements = .allocate(capacity: capacity)
        }

        deinit {
            elements.deinitialize(count: count)
            elements.deallocate()
        }

        func copy(capacity: Int) -> Chunk {
            let copy = Chunk(capacity: capacity)
            copy.elements.initialize(from: elements, count: count)
            copy.count = count
            return copy
        }
    }

    init(chunkLength: Int) {
        precondition(chunkLength > 0 && chunkLength <= Int(UInt32.max), "a chunk holds at least one element")
        self.chunkLength = chunkLength
    }

    var isEmpty: Bool { count == 0 }

    /// Elements the chunks have room for.
    var capacity: Int { chunks.count * chunkLength }

    @inline(__always)
    private func locate(_ index: Int) -> (chunk: Int, offset: Int) {
        let (chunk, offset) = UInt32(truncatingIfNeeded: index).quotientAndRemainder(dividingBy: UInt32(truncatingIfNeeded: chunkLength))
        return (Int(chunk), Int(offset))
    }

    /// Makes chunk `chunk` this array's own before a change.
    @inline(__always)
    private mutating func makeUnique(_ chunk: Int) {
        if !isKnownUniquelyReferenced(&chunks[chunk]) { chunks[chunk] = chunks[chunk].copy(capacity: chunkLength) }
    }

    subscript(index: Int) -> Element {
        unsafeAddress {
            precondition(index >= 0 && index < count, "index out of range")
            let (chunk, offset) = locate(index)
            return UnsafePointer(chunks[chunk].elements + offset)
        }
        unsafeMutableAddress {
            precondition(index >= 0 && index < count, "index out of range")
            let (chunk, offset) = locate(index)
            makeUnique(chunk)
            return chunks[chunk].elements + offset
        }
    }

    /// Calls `body` with the element at `index` in place (neither copied nor retained); the
    /// pointer is valid only inside `body`.
    @inline(__always)
    func withElement<Result>(at index: Int, _ body: (UnsafePointer<Element>) throws -> Result) rethrows -> Result {
        precondition(index >= 0 && index < count, "index out of range")
        let (chunk, offset) = locate(index)
        return try body(chunks[chunk].elements + offset)
    }

    mutating func append(_ element: Element) {
        if count == capacity { chunks.append(Chunk(capacity: chunkLength)) }
        let last = chunks.count - 1
        makeUnique(last)
        let chunk = chunks[last]
        (chunk.elements + chunk.count).initialize(to: element)
        chunk.count += 1
        count += 1
    }

    mutating func append(contentsOf elements: some Sequence<Element>) {
        for element in elements { append(element) }
    }

    mutating func removeAll() {
        chunks = []
        count = 0
    }

    /// Whether chunk `chunk` is the same storage in `other` (not yet copied since they parted).
    func sharesChunk(_ chunk: Int, with other: ChunkedArray) -> Bool {
        chunks[chunk] === other.chunks[chunk]
    }

    mutating func reserveCapacity(_ minimumCapacity: Int) {
        chunks.reserveCapacity((minimumCapacity + chunkLength - 1) / chunkLength)
    }
}

extension ChunkedArray: RandomAccessCollection {
    var startIndex: Int { 0 }
    var endIndex: Int { count }

    func index(after index: Int) -> Int { index + 1 }
    func index(before index: Int) -> Int { index - 1 }

    /// Visits the elements chunk by chunk, in place: no index computation per element, and
    /// reading an element through the buffer neither copies nor retains it.
    func forEachChunkBuffer(_ body: (UnsafeBufferPointer<Element>) throws -> Void) rethrows {
        for chunk in chunks { try body(UnsafeBufferPointer(start: chunk.elements, count: chunk.count)) }
    }
}

/// A chunk is changed only by an array that holds it alone (a shared chunk is copied first), so
/// copies on other threads (a checkpoint's capture) only ever read it.
extension ChunkedArray: @unchecked Sendable where Element: Sendable {}
