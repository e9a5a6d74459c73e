import Foundation
import Synchronization
import ZeroMQ

/// What libzmq alone does on this machine: a PUSH thread sends the same pre-built frame over and
/// over to a PULL thread that only counts, for a given time. CityBrain's end-to-end rate is
/// reported as a share of this.
public enum RawBaseline {
    public struct Result: Sendable, Codable, Equatable {
        public var messages: Int
        public var seconds: Double
        public var frameBytes: Int
        public var messagesPerSecond: Double
    }

    /// Measures PUSH→PULL over `endpoint` (bound by the receiver) with `frame` as every message.
    public static func measure(context: Context, endpoint: String, frame: [UInt8], seconds: Double) throws -> Result {
        let pull = try Socket(context, .pull)
        try pull.setReceiveHighWaterMark(100_000)
        try pull.setLinger(milliseconds: 0)
        try pull.bind(endpoint)
        let bound = try pull.lastEndpoint
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        let senderDone = DispatchSemaphore(value: 0)
        let senderError = Mutex<(any Error)?>(nil)
        let sender = Thread {
            do {
                let push = try Socket(context, .push)
                defer { push.close() }
                try push.setSendHighWaterMark(100_000)
                try push.setLinger(milliseconds: 5_000)
                try push.connect(bound)
                var count = 0
                try frame.withUnsafeBytes { bytes in
                    while !stop.load(ordering: .relaxed) {
                        for _ in 0..<256 { try push.send(raw: bytes) }
                        count += 256
                    }
                }
                sent.store(count, ordering: .releasing)
            } catch {
                senderError.withLock { $0 = error }
            }
            senderDone.signal()
        }
        sender.name = "citybrain-bench-baseline"
        // Receive the first message before starting the clock, so connecting is not measured.
        sender.start()
        defer { pull.close() }
        try pull.setReceiveTimeout(milliseconds: 5_000)
        guard try pull.receiveFrame({ _, _ in () }) != nil else {
            stop.store(true, ordering: .relaxed)
            senderDone.wait()
            throw senderError.withLock({ $0 }) ?? ZMQError(errno: -1, operation: "baseline: no message within 5 s")
        }
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(seconds * 1e9)
        var received = 0
        while true {
            for _ in 0..<1024 { _ = try pull.receiveFrame({ _, _ in () }) }
            received += 1024
            if monotonicNanoseconds() >= deadline { break }
        }
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        stop.store(true, ordering: .relaxed)
        // Let the sender finish: drain what it still has queued.
        try pull.setReceiveTimeout(milliseconds: 100)
        while try pull.receiveFrame({ _, _ in () }) != nil {}
        senderDone.wait()
        if let error = senderError.withLock({ $0 }) { throw error }
        return Result(messages: received, seconds: elapsed, frameBytes: frame.count, messagesPerSecond: Double(received) / elapsed)
    }
}
