#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// The `malloc` the process runs on, found at run time, with the two things CityBrain asks of it:
/// how much it has handed out, and to give memory it keeps free back to the system.
///
/// The `citybrain` executable links jemalloc, which replaces glibc's allocator in the whole
/// process: events, alerts and libzmq's messages are allocated on one thread and freed on
/// another, where glibc's per-thread arenas contend (docs/performance.md, "Prefetched keys, one
/// deadline per key, jemalloc, smaller trend states").
/// Test binaries, and a build without it, run on glibc's.
public enum Allocator: String, Sendable {
    case glibc
    case jemalloc

    /// The allocator in use: jemalloc when its control function is linked into the process.
    public static let current: Allocator = Jemalloc.control == nil ? .glibc : .jemalloc

    /// Bytes handed out and not had back: jemalloc's `stats.allocated`, or glibc's `mallinfo2`
    /// (in-use chunks of every arena plus mmapped blocks); `nil` where neither answers.
    public static var inUseBytes: Int? {
        switch current {
        case .jemalloc: return Jemalloc.allocatedBytes
        case .glibc:
            #if canImport(Glibc)
            let info = mallinfo2()
            return Int(info.uordblks + info.hblkhd)
            #else
            return nil
            #endif
        }
    }

    /// Returns free memory the allocator keeps to the system: every jemalloc arena's dirty
    /// pages (`arena.<all>.purge`), or glibc's free pages of every arena (`malloc_trim(0)`).
    public static func releaseFreeMemory() {
        switch current {
        case .jemalloc: Jemalloc.purgeAllArenas()
        case .glibc:
            #if canImport(Glibc)
            _ = malloc_trim(0)
            #endif
        }
    }
}

/// jemalloc's `mallctl`, looked up in the process (`dlsym`), so nothing needs its header and a
/// process without it simply has none.
private enum Jemalloc {
    typealias Control = @convention(c) (UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?,
                                        UnsafeMutableRawPointer?, Int) -> Int32

    static let control: Control? = {
        #if canImport(Glibc)
        // A null handle is RTLD_DEFAULT: the symbol as the process resolves it.
        guard let symbol = dlsym(nil, "mallctl") else { return nil }
        return unsafeBitCast(symbol, to: Control.self)
        #else
        return nil
        #endif
    }()

    /// `stats.allocated`, after advancing the `epoch` (jemalloc's statistics are a snapshot
    /// refreshed only then).
    static var allocatedBytes: Int? {
        guard let control else { return nil }
        var epoch: UInt64 = 1
        _ = control("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size)
        var allocated = 0
        var length = MemoryLayout<Int>.size
        guard control("stats.allocated", &allocated, &length, nil, 0) == 0 else { return nil }
        return allocated
    }

    /// `arena.4096.purge`: 4096 is `MALLCTL_ARENAS_ALL`.
    static func purgeAllArenas() {
        _ = control?("arena.4096.purge", nil, nil, nil, 0)
    }
}
