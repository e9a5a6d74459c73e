import CityBrainCore
import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization

/// Delivers the alert journal to one webhook: each alert of the target's departments is POSTed
/// on its own, in sequence order, and the next goes only when the receiver answered 2xx.
///
/// - **Nothing lost.** The journal is the queue: alerts are journaled before anything else sees
///   them, and the deliverer keeps the last delivered sequence number in a cursor file
///   (`<state>/<target>.cursor`). A receiver that is down, slow or failing holds its alerts back
///   (bounded by the journal's retention: alerts deleted before delivery are counted as
///   ``Statistics/expired`` and logged), and a restart of either side resumes at the cursor.
/// - **Retries** with exponential backoff (0.5 s doubling to 30 s) on any failure: a refused
///   connection, a timeout, a non-2xx status. Every attempt is counted.
/// - **Exactly once for the receiver.** On the wire delivery is at least once (a receiver that
///   acted on a request and then timed out gets it again); every request carries
///   `X-CityBrain-Seq`, so a receiver that remembers the last sequence number it acted on sees
///   each alert exactly once, in order.
/// - **Signed** when a secret is given (``WebhookSignature``).
/// - A new target starts at the journal's end: it receives alerts from then on, not the history.
public final class WebhookDeliverer: Sendable {
    public struct Settings: Sendable {
        /// How long one request may take before it counts as failed.
        public var timeout: Double = 10
        public var initialBackoff: Double = 0.5
        public var maxBackoff: Double = 30
        /// Alerts read from the journal at a time.
        public var batch = 256
        /// How often an idle deliverer looks for new alerts, in seconds.
        public var pollInterval: Double = 0.05

        public init() {}
    }

    /// Delivery counters of one target.
    public struct Statistics: Sendable, Equatable {
        public var target: String
        public var url: String
        /// Alerts the receiver accepted.
        public var delivered = 0
        /// Attempts that failed (each is retried).
        public var failedAttempts = 0
        /// The last sequence number delivered (or passed over: another department's).
        public var cursor: UInt64 = 0
        /// Alerts journaled after the cursor (of any department).
        public var backlog: UInt64 = 0
        /// Alerts the journal's retention deleted before they could be delivered (the receiver
        /// was down longer than `--journal-retention`).
        public var expired: UInt64 = 0
        /// The latest failure, for a person.
        public var lastError: String?
        /// Milliseconds the last accepted request took.
        public var lastLatencyMilliseconds: Double?
    }

    public let target: WebhookTarget
    private let journal: AlertJournal
    private let format: AlertFormat
    private let signature: WebhookSignature?
    private let cursorPath: String
    private let settings: Settings
    private let clock: any WallClock
    private let logger: Logger
    private let session: URLSession
    private let stopping = Atomic<Bool>(false)
    private let counters: Mutex<Statistics>
    private let finished = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - stateDirectory: where the cursor file is kept (next to the journal).
    ///   - clock: the signatures' timestamps and the back-off between attempts.
    public init(target: WebhookTarget, journal: AlertJournal, format: AlertFormat = .native, signature: WebhookSignature? = nil,
                stateDirectory: String, settings: Settings = Settings(), clock: any WallClock = SystemClock(), logger: Logger) {
        self.target = target
        self.clock = clock
        self.journal = journal
        self.format = format
        self.signature = signature
        self.cursorPath = stateDirectory + "/" + target.name + ".cursor"
        self.settings = settings
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeout
        configuration.timeoutIntervalForResource = settings.timeout
        configuration.httpMaximumConnectionsPerHost = 1
        self.session = URLSession(configuration: configuration)
        self.counters = Mutex(Statistics(target: target.name, url: target.url.absoluteString))
    }

    public var statistics: Statistics {
        var snapshot = counters.withLock { $0 }
        let last = journal.lastSequence
        snapshot.backlog = last > snapshot.cursor ? last - snapshot.cursor : 0
        return snapshot
    }

    /// Reads (or creates) the cursor and starts delivering on a thread of its own.
    public func start() throws {
        try FileManager.default.createDirectory(atPath: (cursorPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let cursor: UInt64
        if let text = try? String(contentsOfFile: cursorPath, encoding: .utf8),
           let saved = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            cursor = saved
        } else {
            cursor = journal.lastSequence
            try save(cursor)
        }
        counters.withLock { $0.cursor = cursor }
        logger.info("webhook \(target.url.absoluteString): delivering after alert \(cursor)")
        let thread = Thread { [self] in
            run(from: cursor)
            finished.signal()
        }
        thread.name = "citybrain-webhook"
        started.store(true, ordering: .releasing)
        thread.start()
    }

    /// Stops after the request in flight (which is retried at the next start if it did not
    /// succeed); waits until the thread has ended.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing), started.load(ordering: .acquiring) else { return }
        finished.wait()
        session.invalidateAndCancel()
    }

    /// Waits until everything journaled so far is delivered, or `seconds` pass; returns whether it was.
    public func waitUntilDelivered(within seconds: Double) -> Bool {
        let goal = journal.lastSequence
        // In real time: the deliverer's own clock may be a test's, which this wait must not move.
        SystemClock().sleep(seconds: seconds) { counters.withLock { $0.cursor } >= goal }
        return counters.withLock { $0.cursor } >= goal
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func run(from start: UInt64) {
        var cursor = start
        while !isStopping {
            guard journal.lastSequence > cursor else {
                usleep(UInt32(settings.pollInterval * 1_000_000))
                continue
            }
            let alerts: [Alert]
            do {
                alerts = try journal.alerts(after: cursor, limit: settings.batch)
            } catch {
                record(failure: "reading the journal: \(error)")
                sleep(for: settings.maxBackoff)
                continue
            }
            if let first = alerts.first, first.seq > cursor + 1 {
                let expired = first.seq - cursor - 1
                counters.withLock { $0.expired += expired }
                logger.error("webhook \(target.url.absoluteString): \(expired) alert(s) after \(cursor) left the journal (retention) before they were delivered")
            }
            for alert in alerts {
                if target.takes(department: alert.department) {
                    guard deliver(alert) else { return }
                }
                cursor = alert.seq
                counters.withLock { $0.cursor = cursor }
                if target.takes(department: alert.department) || alert.seq == alerts.last?.seq {
                    do { try save(cursor) } catch { logger.error("webhook \(target.name): cannot save the cursor: \(error)") }
                }
            }
        }
    }

    /// POSTs `alert` until the receiver accepts it; `false` when stopped first.
    private func deliver(_ alert: Alert) -> Bool {
        var backoff = settings.initialBackoff
        let body = Array(format.render(alert).utf8)
        while !isStopping {
            let began = SystemClock().uptimeNanoseconds
            switch post(body, alert: alert) {
            case .success:
                let milliseconds = Double(SystemClock().uptimeNanoseconds - began) / 1e6
                counters.withLock {
                    $0.delivered += 1
                    $0.lastLatencyMilliseconds = milliseconds
                }
                return true
            case .failure(let problem):
                let attempts = record(failure: problem)
                if attempts <= 3 || attempts % 100 == 0 {
                    logger.warning("webhook \(target.url.absoluteString): alert \(alert.seq) not delivered (\(problem)); retrying in \(backoff) s")
                }
                sleep(for: backoff)
                backoff = min(backoff * 2, settings.maxBackoff)
            }
        }
        return false
    }

    private enum Outcome { case success, failure(String) }

    private func post(_ body: [UInt8], alert: Alert) -> Outcome {
        var request = URLRequest(url: target.url)
        request.httpMethod = "POST"
        request.timeoutInterval = settings.timeout
        request.httpBody = Data(body)
        request.setValue(format == .ngsiLD ? "application/ld+json" : "application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(String(alert.seq), forHTTPHeaderField: "X-CityBrain-Seq")
        request.setValue(alert.id, forHTTPHeaderField: "X-CityBrain-Alert-Id")
        if let epoch = alert.epoch { request.setValue(String(epoch), forHTTPHeaderField: "X-CityBrain-Epoch") }
        if let signature {
            let timestamp = clock.epochMilliseconds / 1000
            request.setValue(String(timestamp), forHTTPHeaderField: "X-CityBrain-Timestamp")
            request.setValue(signature.sign(body, timestamp: timestamp), forHTTPHeaderField: "X-CityBrain-Signature")
        }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Outcome>(.failure("no answer"))
        session.dataTask(with: request) { _, response, error in
            let result: Outcome = if let error {
                .failure(error.localizedDescription)
            } else if let status = (response as? HTTPURLResponse)?.statusCode {
                (200..<300).contains(status) ? .success : .failure("HTTP \(status)")
            } else {
                .failure("no HTTP response")
            }
            outcome.withLock { $0 = result }
            done.signal()
        }.resume()
        done.wait()
        return outcome.withLock { $0 }
    }

    @discardableResult
    private func record(failure: String) -> Int {
        counters.withLock {
            $0.failedAttempts += 1
            $0.lastError = failure
            return $0.failedAttempts
        }
    }

    /// Sleeps `seconds` of the clock's time in short steps, returning early when stopped.
    private func sleep(for seconds: Double) {
        clock.sleep(seconds: seconds) { isStopping }
    }

    private func save(_ cursor: UInt64) throws {
        try Data("\(cursor)\n".utf8).write(to: URL(fileURLWithPath: cursorPath), options: .atomic)
    }
}
