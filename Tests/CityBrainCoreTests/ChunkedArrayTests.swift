@testable import CityBrainCore
import Testing

@Suite("Chunked array")
struct ChunkedArrayTests {
    @Test("a copy keeps its values while the original changes, and a change copies only its own chunk")
    func copyOnWritePerChunk() {
        var live = ChunkedArray<[Int]>(chunkLength: 4)
        for value in 0..<10 { live.append([value]) }
        #expect(live.count == 10 && live.capacity == 12)
        let captured = live  // what a checkpoint holds while the partition goes on

        live[5].append(50)  // in place, through the chunk
        live.append([10])
        #expect(captured.map(\.first) == (0..<10).map { $0 })
        #expect(captured[5] == [5])
        #expect(live[5] == [5, 50] && live[10] == [10] && live.count == 11)
        #expect(live.sharesChunk(0, with: captured))   // untouched: still the captured storage
        #expect(!live.sharesChunk(1, with: captured))  // holds index 5: copied
        #expect(!live.sharesChunk(2, with: captured))  // appended to: copied
    }

    @Test("indices run across chunks in order")
    func indicesAndOrder() {
        var array = ChunkedArray<Int>(chunkLength: 6)
        array.append(contentsOf: 0..<20)
        #expect((6..<9).map { array[$0] } == [6, 7, 8])
        #expect((18..<20).map { array[$0] } == [18, 19])
        #expect(Array(array) == Array(0..<20))
        var seen: [Int] = []
        array.forEachChunkBuffer { seen += $0 }
        #expect(seen == Array(0..<20))
        array.removeAll()
        #expect(array.isEmpty && array.capacity == 0)
    }
}
