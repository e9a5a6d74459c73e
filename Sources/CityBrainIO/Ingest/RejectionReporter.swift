import CityBrainCore
import Logging
import Synchronization

/// Logs rejected frames so a person can see what was wrong and where, without flooding the log:
/// the first few of each reason in full, then one line every `every` rejections of that reason.
public final class RejectionReporter: Sendable {
    private let logger: Logger
    private let firstFew: Int
    private let every: Int
    private let seen = Mutex([RejectReason: Int]())
    private let deadLetters: DeadLetterWriter?

    /// - Parameter deadLetters: where to write each rejected frame in full, if anywhere.
    public init(logger: Logger, firstFew: Int = 5, every: Int = 10_000, deadLetters: DeadLetterWriter? = nil) {
        self.logger = logger
        self.firstFew = firstFew
        self.every = every
        self.deadLetters = deadLetters
    }

    /// Reports one rejected frame, and writes it to the dead-letter file if there is one.
    public func report(_ rejection: FrameRejection, source: String, topic: [UInt8]?, payload: some Collection<UInt8>) {
        deadLetters?.record(rejection, source: source, topic: topic, payload: payload)
        report(rejection, source: source)
    }

    /// Reports one rejection; `source` says where it came from (`tcp://…`, `feed.jsonl:17`).
    public func report(_ rejection: FrameRejection, source: String) {
        let count = seen.withLock { counts -> Int in
            counts[rejection.reason, default: 0] += 1
            return counts[rejection.reason, default: 0]
        }
        if count <= firstFew {
            logger.warning("rejected frame from \(source): \(rejection)")
        } else if count % every == 0 {
            logger.warning("rejected \(count) frames for \(rejection.reason.rawValue) so far; latest from \(source): \(rejection.detail)")
        }
    }
}
