@testable import CityBrainIO
import Logging
import Testing

/// Memory the allocator keeps after it was freed goes back to the system when it is worth a trim.
@Suite("Memory reclaimer")
struct MemoryReclaimerTests {
    @Test("a trim is worth it only past the slack and a quarter of the memory in use")
    func decision() {
        let mib = 1 << 20
        #expect(MemoryReclaimer.shouldTrim(resident: 900 * mib, inUse: 400 * mib, slack: 128 * mib))
        #expect(!MemoryReclaimer.shouldTrim(resident: 500 * mib, inUse: 400 * mib, slack: 128 * mib))  // within the slack
        #expect(!MemoryReclaimer.shouldTrim(resident: 4_400 * mib, inUse: 4_000 * mib, slack: 128 * mib))  // under a quarter
        #expect(!MemoryReclaimer.shouldTrim(resident: 100 * mib, inUse: 400 * mib, slack: 128 * mib))
    }

    @Test("the allocator in use reports the bytes it has handed out, and counts a block while it lives")
    func allocatorStatistics() throws {
        // The package links jemalloc into the executable and so into the tests (the bench smoke
        // test checks the executable's); glibc's statistics answer the same question without it.
        #expect(Allocator.current == .jemalloc)
        // The figure is the process's, and other tests allocate and free beside this one: a
        // block far larger than what they hold at once, and half of it must show.
        let before = try #require(Allocator.inUseBytes)
        let block = UnsafeMutableRawPointer.allocate(byteCount: 512 << 20, alignment: 16)
        let during = try #require(Allocator.inUseBytes)
        block.deallocate()
        #expect(during - before >= 256 << 20, "\((during - before) >> 20) MiB")
    }

    @Test("a trim gives freed memory held in holes between live blocks back to the system")
    func trimReleasesHoles() throws {
        // 160 MiB in 8 KiB blocks, each followed by a small block that stays: freed, the large
        // ones cannot merge into the top of the heap, so only a trim returns their pages.
        var blocks: [UnsafeMutableRawPointer] = []
        var pins: [UnsafeMutableRawPointer] = []
        for _ in 0..<20_480 {
            let block = UnsafeMutableRawPointer.allocate(byteCount: 8_192, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 8_192)
            blocks.append(block)
            pins.append(.allocate(byteCount: 32, alignment: 16))
        }
        defer { for pin in pins { pin.deallocate() } }
        for block in blocks { block.deallocate() }
        let reclaimer = MemoryReclaimer(logger: Logger(label: "test"))
        let released = reclaimer.trim()
        #expect(released > 40 << 20, "released \(released >> 20) MiB")
        #expect(reclaimer.statistics.trims == 1)
        #expect(reclaimer.statistics.releasedBytes == released)
    }
}
