import CityBrainCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Captures every message of one or more feeds into a recording: a SUB socket on its own thread,
/// each message stored with its receive time, blocks flushed every 100 ms.
public final class FeedRecorder: Sendable {
    private let context: Context
    private let feeds: [String]
    private let logger: Logger
    private let thread = SocketThread(name: "citybrain-recorder")
    private let writer: Mutex<RecordingWriter?>
    private let counters = Mutex((frames: 0, bytes: 0, truncated: 0))
    private let failure = Mutex<(any Error)?>(nil)
    private let maxBytes: Int?

    /// - Parameter maxBytes: stop recording once the recording holds this many bytes.
    public init(context: Context, feeds: [String], writer: sending RecordingWriter, maxBytes: Int? = nil, logger: Logger) {
        self.context = context
        self.feeds = feeds
        self.writer = Mutex(writer)
        self.maxBytes = maxBytes
        self.logger = logger
    }

    /// Frames and bytes recorded so far; messages of more than two frames cut to two.
    public var progress: (frames: Int, bytes: Int, truncated: Int) { counters.withLock { $0 } }

    /// Whether the size limit was reached (the recorder then stops taking frames).
    public var isFull: Bool {
        guard let maxBytes else { return false }
        return counters.withLock { $0.bytes } >= maxBytes
    }

    public func start() throws {
        try thread.start(setup: { [context, feeds] in
            let socket = try Socket(context, .sub)
            try socket.setReceiveHighWaterMark(1_000_000)
            try socket.setLinger(milliseconds: 0)
            try socket.subscribe("")
            for feed in feeds { try socket.connect(feed) }
            return socket
        }) { [self] socket, isStopping in
            loop(socket, isStopping: isStopping)
        }
    }

    /// Stops, writes what is buffered, and closes the recording.
    public func stop() throws {
        thread.stop()
        try writer.withLock { writer in
            try writer?.close()
            writer = nil
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func loop(_ socket: Socket, isStopping: () -> Bool) {
        var lastFlush = SystemClock().uptimeNanoseconds
        // Checked once per message: a plain flag, set after a drain or a failure, not a lock.
        var done = false
        func failed(_ error: any Error) -> Bool {
            failure.withLock { $0 = error }
            logger.error("recording failed: \(error)")
            done = true
            return false
        }
        serveMessages(on: socket, isStopping: { done || isStopping() }, timeoutMilliseconds: 50) { message in
            let now = SystemClock().epochMilliseconds
            let frames = message.frames
            let frame = frames.count == 1
                ? RecordedFrame(receivedAt: now, topic: [], payload: frames[0])
                : RecordedFrame(receivedAt: now, topic: frames[0], payload: frames[1])
            do { try writer.withLock { try $0?.append(frame) } } catch { return failed(error) }
            counters.withLock { $0.frames += 1; if frames.count > 2 { $0.truncated += 1 } }
            return true
        } afterDrain: { _ in
            // Whole blocks reach the file at least every 100 ms (followers read them then).
            let clock = SystemClock().uptimeNanoseconds
            if clock - lastFlush >= 100_000_000 {
                lastFlush = clock
                do {
                    try writer.withLock { writer in
                        try writer?.flush()
                        if let writer { counters.withLock { $0.bytes = writer.bytes } }
                    }
                } catch {
                    _ = failed(error)
                }
            }
            if isFull { done = true }
        }
        socket.close()
    }
}
