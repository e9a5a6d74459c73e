import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs background work (writing a checkpoint) on a thread of its own at a lower scheduling
/// priority, so that on a machine whose cores the engine keeps busy the work takes what the
/// engine leaves instead of slowing its batches. On Linux the nice value is per thread: the
/// work's thread is niced, the engine's are not, and it ends with the thread.
public enum BackgroundThread {
    /// How much lower than the engine the work runs (the `nice` increment): at 10 a busy
    /// engine thread gets about ten times its share of a core.
    public static let niceness: Int32 = 10

    public static func start(name: String, _ work: @escaping @Sendable () -> Void) {
        let thread = Thread {
            #if canImport(Glibc)
            // Linux applies PRIO_PROCESS with id 0 to the calling thread alone.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            #endif
            work()
        }
        thread.name = name
        thread.start()
    }
}
