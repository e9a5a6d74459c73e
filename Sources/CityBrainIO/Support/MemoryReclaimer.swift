#if canImport(Glibc)
import CityBrainCore
import Glibc
#endif
import Dispatch
import Foundation
import Logging
import Synchronization

/// Hands memory that the allocator keeps after it was freed back to the system, now and then.
///
/// Events are decoded on the ingest thread and freed on the partitions' threads, alerts made on
/// one thread and freed on another; glibc keeps such memory in per-thread arenas, in pages that
/// are partly free. Under lasting overload resident memory then creeps up while the memory in
/// use stays flat. Every `interval` this compares the two and, when resident memory exceeds what
/// is in use by more than `slack` bytes and a quarter, has the ``Allocator`` release its free
/// memory: `malloc_trim(0)` returns the free pages of every glibc arena (locking one arena at a
/// time for a few milliseconds); jemalloc, which returns dirty pages on its own within seconds,
/// purges every arena at once.
///
/// `@unchecked Sendable`: the timer is set up in `init` and only resumed and cancelled after.
public final class MemoryReclaimer: @unchecked Sendable {
    /// What it has done since start.
    public struct Statistics: Sendable, Equatable {
        public var trims = 0
        /// Resident bytes before the trims minus after them.
        public var releasedBytes = 0
        public var longestTrimNanoseconds: UInt64 = 0
    }

    private let timer: any DispatchSourceTimer
    private let queue = DispatchQueue(label: "citybrain.reclaim")
    private let slack: Int
    private let logger: Logger
    private let counts = Mutex(Statistics())
    /// libdispatch refuses to free a timer that was never resumed.
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - interval: seconds between checks.
    ///   - slack: resident bytes beyond those in use that are left alone (code, stacks, and what
    ///     the allocator needs to work without asking the system at every turn).
    public init(interval: Double = 10, slack: Int = 128 << 20, logger: Logger) {
        self.slack = slack
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.reclaimIfWorthIt() }
    }

    public func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        timer.resume()
    }

    public func stop() {
        timer.cancel()
        queue.sync {}
    }

    deinit {
        if !started.load(ordering: .acquiring) { timer.resume() }
        timer.cancel()
    }

    public var statistics: Statistics { counts.withLock { $0 } }

    /// Whether resident memory is far enough above the memory in use for a trim to be worth it.
    static func shouldTrim(resident: Int, inUse: Int, slack: Int) -> Bool {
        let kept = resident - inUse
        return kept > slack && kept > inUse / 4
    }

    /// Trims when ``shouldTrim(resident:inUse:slack:)`` says so; returns the bytes released, or
    /// `nil` when it did not trim.
    @discardableResult
    func reclaimIfWorthIt() -> Int? {
        guard let resident = Self.residentBytes, let inUse = Allocator.inUseBytes,
              Self.shouldTrim(resident: resident, inUse: inUse, slack: slack) else { return nil }
        return trim(residentBefore: resident)
    }

    /// Trims now; returns the resident bytes released.
    @discardableResult
    func trim(residentBefore: Int? = nil) -> Int {
        let before = residentBefore ?? Self.residentBytes ?? 0
        let start = SystemClock().uptimeNanoseconds
        Allocator.releaseFreeMemory()
        let took = SystemClock().uptimeNanoseconds - start
        let released = max(0, before - (Self.residentBytes ?? before))
        counts.withLock { counts in
            counts.trims += 1
            counts.releasedBytes += released
            counts.longestTrimNanoseconds = max(counts.longestTrimNanoseconds, took)
        }
        logger.debug("memory: gave \(released >> 20) MiB back to the system in \(took / 1_000_000) ms")
        return released
    }

    /// Resident memory of the process (`/proc/self/statm`), bytes; `nil` where there is no `/proc`.
    public static var residentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
