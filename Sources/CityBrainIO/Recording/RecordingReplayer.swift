import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Publishes a recording's frames over ZeroMQ with their original pacing (receive-time gaps)
/// divided by a speed factor, or as fast as possible.
public final class RecordingReplayer: Sendable {
    public struct Progress: Sendable {
        public var published = 0
        public var total = 0
        /// Position in the recording's timeline, 0…1.
        public var fraction = 0.0
    }

    private let context: Context
    private let transport: FeedTransport
    private let logger: Logger
    private let security: SocketSecurity
    private let stopping = Atomic<Bool>(false)
    private let state = Mutex(Progress())

    public init(context: Context, transport: FeedTransport, security: SocketSecurity = .none, logger: Logger) {
        self.security = security
        self.context = context
        self.transport = transport
        self.logger = logger
    }

    public var progress: Progress { state.withLock { $0 } }

    public func stop() { stopping.store(true, ordering: .releasing) }

    /// Replays the frames received within `from...to` (Unix ms, both optional), `loops` times
    /// (`nil`: until stopped). `speed` `nil` means as fast as possible.
    /// - Returns: frames published.
    @discardableResult
    public func run(_ reader: RecordingReader, speed: Double?, from: Int64? = nil, to: Int64? = nil, loops: Int? = 1, waitForSubscribers: Int = 0) throws -> Int {
        // First pass: how many frames, and the time span, for the progress display.
        var total = 0, first = Int64.max, last = Int64.min
        try reader.forEachFrame { frame in
            if let from, frame.receivedAt < from { return true }
            if let to, frame.receivedAt > to { return true }
            total += 1
            first = min(first, frame.receivedAt)
            last = max(last, frame.receivedAt)
            return true
        }
        state.withLock { $0.total = total * (loops ?? 1) }
        if waitForSubscribers > 0 { logger.info("replay: waiting for \(waitForSubscribers) subscriber(s)") }
        let socket = try transport.open(context, subscribers: waitForSubscribers, stopping: stopping, security: security)
        defer { socket.close() }
        var round = 0
        while loops.map({ round < $0 }) ?? true, !stopping.load(ordering: .acquiring) {
            round += 1
            let began = SystemClock().uptimeNanoseconds
            try reader.forEachFrame { frame in
                if stopping.load(ordering: .acquiring) { return false }
                if let from, frame.receivedAt < from { return true }
                if let to, frame.receivedAt > to { return true }
                if let speed {
                    let due = began + UInt64(Double(frame.receivedAt - first) / speed * 1_000_000)
                    let now = SystemClock().uptimeNanoseconds
                    if due > now { usleep(UInt32(min((due - now) / 1_000, 1_000_000))) }
                }
                try socket.send(frame.topic.isEmpty ? Message(frames: [frame.payload]) : Message(frames: [frame.topic, frame.payload]))
                state.withLock { progress in
                    progress.published += 1
                    progress.fraction = last > first ? Double(frame.receivedAt - first) / Double(last - first) : 1
                }
                return true
            }
        }
        return state.withLock { $0.published }
    }
}
