#if canImport(Glibc)
import Glibc
#endif
import CityBrainIO
import Foundation

/// CPU time and memory of this process, from the kernel.
public enum ResourceUsage {
    /// User plus system CPU seconds of the whole process so far.
    public static var processCPUSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// CPU seconds of the calling thread so far.
    public static var threadCPUSeconds: Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Peak resident memory of the process (VmHWM), bytes.
    public static var peakResidentBytes: Int { statusField("VmHWM:") ?? 0 }

    /// Current resident memory of the process (VmRSS), bytes.
    public static var residentBytes: Int { MemoryReclaimer.residentBytes ?? 0 }

    /// Bytes the allocator has handed out and not had back (``Allocator/inUseBytes``).
    /// Beside ``residentBytes`` it tells live allocations from memory the allocator keeps after
    /// they are freed. 0 where glibc is not the allocator.
    public static var heapInUseBytes: Int { Allocator.inUseBytes ?? 0 }

    /// Resets the peak to the current resident size, so a phase's peak is its own.
    public static func resetPeak() {
        // Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0); harmless where it is not allowed.
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    private static func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let kilobytes = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    private static func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
}
