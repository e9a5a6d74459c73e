import CityBrainIO
import Foundation
import Synchronization
import ZeroMQ

/// The load generator's sending side: a thread with a PUSH socket that writes frames with a
/// ``LoadGenerator`` and sends them, as fast as the socket takes them or at a fixed rate, for a
/// given wall time. Each frame's send time goes to a `PositionClock` (frame n is input position n).
///
/// Or, as a sensor gateway publishes, a PUB socket bound at the endpoint sending each frame with
/// its topic and its sensor's `seq`: nothing slows it down, and what the pipeline cannot take is
/// shed or lost (the overload phase).
///
/// At a fixed rate the time recorded is when the frame was *due*, not when it went out, so a
/// sender held up by backpressure does not hide the delay (no coordinated omission).
public final class FrameSender: Sendable {
    public struct Result: Sendable {
        public var frames: Int
        public var seconds: Double
        /// CPU seconds the sending thread used (generating and sending).
        public var cpuSeconds: Double
        public var bytes: Int
    }

    private let context: Context
    private let endpoint: String
    private let generator: LoadGenerator
    private let timeline: PositionClock?
    private let rate: Double?
    private let seconds: Double
    private let maxFrames: Int
    private let publishes: Bool
    private let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Swift.Result<Result, ZMQError>?>(nil)

    /// - Parameters:
    ///   - rate: frames per second, or `nil` for as fast as the socket takes them.
    ///   - maxFrames: stop early after this many frames.
    ///   - publishes: bind a PUB socket and send topic, frame and `seq` instead of PUSHing frames.
    public init(context: Context, endpoint: String, generator: LoadGenerator, timeline: PositionClock?,
                rate: Double?, seconds: Double, maxFrames: Int = .max, publishes: Bool = false) {
        self.publishes = publishes
        self.context = context
        self.endpoint = endpoint
        self.generator = generator
        self.timeline = timeline
        self.rate = rate
        self.seconds = seconds
        self.maxFrames = maxFrames
    }

    /// Starts sending on a thread of its own.
    public func start() {
        let thread = Thread { [self] in
            let result: Swift.Result<Result, ZMQError>
            do { result = .success(try run()) } catch let error as ZMQError { result = .failure(error) } catch {
                result = .failure(ZMQError(errno: -1, operation: "\(error)"))
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.name = "citybrain-bench-sender"
        thread.start()
    }

    /// Waits for the sender to finish.
    public func wait() throws(ZMQError) -> Result {
        done.wait()
        done.signal()
        switch outcome.withLock({ $0 })! {
        case .success(let result): return result
        case .failure(let error): throw error
        }
    }

    private func run() throws -> Result {
        let socket = try Socket(context, publishes ? .pub : .push)
        defer { socket.close() }
        // Closing waits until every queued frame is delivered: the pipeline may be busy closing
        // windows for seconds, and a finite linger would silently drop the frames still queued.
        // A publisher drops what its subscriber does not take anyway.
        try socket.setLinger(milliseconds: publishes ? 0 : -1)
        try socket.setSendHighWaterMark(100_000)
        if publishes {
            try socket.bind(endpoint)
            usleep(300_000)  // the subscriber connects and subscribes (PUB/SUB's slow joiner)
        } else {
            try socket.connect(endpoint)
        }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: LoadGenerator.maxFrameBytes)
        defer { buffer.deallocate() }
        let topic = UnsafeMutablePointer<UInt8>.allocate(capacity: LoadGenerator.maxFrameBytes)
        defer { topic.deallocate() }
        let cpuBefore = ResourceUsage.threadCPUSeconds
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(seconds * 1e9)
        var sent = 0
        var bytes = 0
        func sendOne(at time: UInt64) throws {
            let length = generator.write(frame: sent, to: buffer, sequence: publishes)
            timeline?.advance(by: 1, at: time)
            if publishes {
                let topicLength = generator.write(topicOf: sent, to: topic)
                try socket.send(raw: UnsafeRawBufferPointer(start: topic, count: topicLength), more: true)
            }
            try socket.send(raw: UnsafeRawBufferPointer(start: buffer, count: length))
            sent += 1
            bytes += length
        }
        if let rate {
            let interval = 1e9 / rate
            while sent < maxFrames {
                let now = monotonicNanoseconds()
                if now >= deadline { break }
                let due = min(maxFrames, Int(Double(now - start) / interval) + 1)
                if due <= sent {
                    usleep(100)
                    continue
                }
                // A sender behind its rate catches up in bursts, checking the deadline between them.
                for _ in 0..<min(due - sent, 4_096) { try sendOne(at: start + UInt64(Double(sent) * interval)) }
            }
        } else {
            while sent < maxFrames {
                let now = monotonicNanoseconds()
                if now >= deadline { break }
                for _ in 0..<min(256, maxFrames - sent) { try sendOne(at: monotonicNanoseconds()) }
            }
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        return Result(frames: sent, seconds: elapsed, cpuSeconds: ResourceUsage.threadCPUSeconds - cpuBefore, bytes: bytes)
    }
}
