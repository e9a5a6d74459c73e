import CityBrainCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Consumes the alert stream without loss or duplicates across its own restarts and the
/// publisher's (the Clone pattern): it subscribes to the live stream first, fetches everything
/// after the last sequence number it handled from the catch-up server, then handles live alerts,
/// dropping those it already has and fetching any gap. The last sequence number handled is kept
/// in a state file, replaced atomically after every alert: a kill between handling an alert and
/// saving can at most hand that one alert over again after the restart (at-least-once at the
/// kill point); nothing is ever skipped.
public final class DurableAlertConsumer: Sendable {
    private let context: Context
    private let alertEndpoints: [String]
    private let catchupEndpoint: String
    private let topics: [String]
    private let stateFile: String?
    private let logger: Logger
    private let handler: @Sendable (Alert, String) -> Void
    private let thread = SocketThread(name: "citybrain-durable-consumer")
    private let last = Atomic<UInt64>(0)
    private let security: SocketSecurity
    private let clock: any WallClock
    private let inOrder: Bool
    private let endOfBatch: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - stateFile: where the last sequence number handled is kept across restarts, if anywhere.
    ///   - startingAfter: the last sequence number already handled, when the caller keeps it
    ///     itself (instead of a state file).
    ///   - inOrder: hand alerts over strictly in sequence order. While the catch-up endpoint is
    ///     down, live alerts beyond a gap are then left for the catch-up to fetch (instead of
    ///     being shown at once), so the last number handled always means "all up to here".
    ///   - endOfBatch: called on the consumer's thread after each run of alerts handed over (a
    ///     drained socket, a catch-up page), e.g. to make them durable together.
    ///   - clock: when a catch-up that failed is tried again.
    public init(
        context: Context, alerts: [String], catchup: String, topics: [String] = ["alert."], stateFile: String?,
        startingAfter: UInt64 = 0, inOrder: Bool = false, endOfBatch: (@Sendable () -> Void)? = nil,
        security: SocketSecurity = .none, clock: any WallClock = SystemClock(), logger: Logger,
        handler: @escaping @Sendable (Alert, String) -> Void
    ) {
        self.clock = clock
        self.security = security
        self.inOrder = inOrder
        self.endOfBatch = endOfBatch
        self.last.store(startingAfter, ordering: .relaxed)
        self.context = context
        self.alertEndpoints = alerts
        self.catchupEndpoint = catchup
        self.topics = topics
        self.stateFile = stateFile
        self.logger = logger
        self.handler = handler
    }

    /// The last sequence number handled.
    public var lastSequence: UInt64 { last.load(ordering: .relaxed) }

    public func start() throws {
        if let stateFile, let text = try? String(contentsOfFile: stateFile, encoding: .utf8),
           let saved = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            last.store(saved, ordering: .relaxed)
        }
        try thread.start(setup: { [self] in
            let subscriber = try Socket(context, .sub)
            try subscriber.setLinger(milliseconds: 0)
            try subscriber.setReceiveHighWaterMark(1_000_000)
            try security.apply(to: subscriber)
            for topic in topics + ["heartbeat"] { try subscriber.subscribe(topic) }
            for endpoint in alertEndpoints { try subscriber.connect(endpoint) }
            return subscriber
        }) { [self] subscriber, isStopping in
            run(subscriber: subscriber, isStopping: isStopping)
        }
    }

    public func stop() { thread.stop() }

    /// How long one catch-up request may wait for its reply.
    static let replyTimeout: Int32 = 1_000
    /// The longest wait between attempts while the catch-up endpoint does not answer.
    static let longestRetry: UInt64 = 10_000

    /// The catch-up side: a DEALER re-created after a request went unanswered (so a late reply
    /// cannot be taken for the next one), and when to try again while the endpoint is down.
    private struct Catchup {
        var requester: Socket?
        var down = false
        var retryAt: UInt64 = 0
        var retryDelay: UInt64 = 500
        /// Live alerts shown while the endpoint was down, beyond the gap: not shown again when
        /// the gap is filled.
        var shownAhead: Set<UInt64> = []
        /// Whether the publisher's journal was reported to end before our position.
        var warnedBehind = false
    }

    private func run(subscriber: Socket, isStopping: () -> Bool) {
        var catchup = Catchup()
        catchUp(&catchup, isStopping: isStopping)
        var handled = false
        serveMessages(on: subscriber, isStopping: isStopping) { message in
            guard message.frames.count == 2, let json = message.string(at: 1) else { return true }
            if message.string(at: 0) == "heartbeat" {
                // The publisher has gone further than we have: fetch what we missed.
                if let beat = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                   let seq = (beat["seq"] as? NSNumber)?.uint64Value, seq > lastSequence, !catchup.down {
                    handled = catchUp(&catchup, isStopping: isStopping) || handled
                }
                return true
            }
            guard let alert = try? Alert(json: Array(json.utf8)) else { return true }
            if alert.seq <= lastSequence || catchup.shownAhead.contains(alert.seq) { return true }  // a duplicate
            if alert.seq > lastSequence + 1, !catchup.down { _ = catchUp(&catchup, isStopping: isStopping) }  // a gap: fetch it first
            if alert.seq == lastSequence + 1 {
                deliver(alert, json)
                skipShownAhead(&catchup)
            } else if catchup.down, !inOrder {
                // Show it now; the gap before it is filled once the endpoint answers.
                handler(alert, json)
                catchup.shownAhead.insert(alert.seq)
            }
            handled = true
            return true
        } afterDrain: { _ in
            if handled {
                endOfBatch?()
                saveState()
                handled = false
            }
            if catchup.down, now >= catchup.retryAt { catchUp(&catchup, isStopping: isStopping) }
        }
        saveState()
        subscriber.close()
        catchup.requester?.close()
    }

    /// Advances past alerts already shown live while the catch-up endpoint was down.
    private func skipShownAhead(_ catchup: inout Catchup) {
        while catchup.shownAhead.remove(lastSequence + 1) != nil { last.store(lastSequence + 1, ordering: .relaxed) }
    }

    /// Milliseconds on the clock's monotonic time.
    private var now: UInt64 { clock.uptimeNanoseconds / 1_000_000 }

    /// Fetches every journaled alert after the last one handled; returns whether any came. When
    /// the endpoint does not answer, warns (once per outage), marks it down and schedules a retry
    /// with a growing delay; live alerts are shown meanwhile.
    @discardableResult
    private func catchUp(_ catchup: inout Catchup, isStopping: () -> Bool) -> Bool {
        var any = false
        while !isStopping() {
            do {
                if catchup.requester == nil {
                    let requester = try Socket(context, .dealer)
                    try requester.setLinger(milliseconds: 0)
                    try requester.setReceiveTimeout(milliseconds: Self.replyTimeout)
                    try security.apply(to: requester)
                    try requester.connect(catchupEndpoint)
                    catchup.requester = requester
                }
                guard let requester = catchup.requester else { break }
                try requester.send("after \(lastSequence)")
                var complete = false
                var answered = false
                while let reply = try requester.receiveMessage() {
                    answered = true
                    switch reply.string(at: 0) {
                    case "alert":
                        if let json = reply.string(at: 1), let alert = try? Alert(json: Array(json.utf8)), alert.seq == lastSequence + 1 {
                            if catchup.shownAhead.remove(alert.seq) == nil { handler(alert, json) }
                            last.store(alert.seq, ordering: .relaxed)
                            skipShownAhead(&catchup)
                            any = true
                        }
                    case "end":
                        let numbers = (reply.string(at: 1) ?? "").split(separator: " ").compactMap { UInt64($0) }
                        complete = numbers.count < 2 || numbers[0] >= numbers[1]
                        if numbers.count >= 2, numbers[1] < lastSequence, !catchup.warnedBehind {
                            // The publisher's journal ends before what we already have: it was wiped or replaced.
                            catchup.warnedBehind = true
                            logger.error("""
                                the journal behind \(catchupEndpoint) ends at \(numbers[1]), before \(lastSequence) already handled here: \
                                it was reset or replaced, and its alerts numbered up to \(lastSequence) are not taken (docs/scaling.md, "Failure modes")
                                """)
                        }
                    default:
                        logger.error("catch-up refused: \(reply.string(at: 1) ?? "")")
                        complete = true
                    }
                    if reply.string(at: 0) != "alert" { break }
                }
                if !answered { throw ZMQError(errno: EAGAIN, operation: "no reply within \(Self.replyTimeout) ms") }
                if catchup.down {
                    logger.notice("catch-up endpoint \(catchupEndpoint) answers again; the gap is filled up to \(lastSequence)")
                    catchup.down = false
                    catchup.retryDelay = 500
                }
                if any { endOfBatch?() }  // page by page: a long backlog is not held whole
                if complete { break }
            } catch {
                catchup.requester?.close()
                catchup.requester = nil
                if !catchup.down {
                    let meanwhile = inOrder ? "alerts after \(lastSequence) are taken, in order, once it answers"
                        : "showing live alerts meanwhile, and fetching what was missed after \(lastSequence) once it answers"
                    logger.warning("catch-up endpoint \(catchupEndpoint) does not answer (\(error)); \(meanwhile)")
                }
                catchup.down = true
                catchup.retryAt = now + catchup.retryDelay
                catchup.retryDelay = min(catchup.retryDelay * 2, Self.longestRetry)
                break
            }
        }
        if any {
            endOfBatch?()
            saveState()
        }
        return any
    }

    private func deliver(_ alert: Alert, _ json: String) {
        handler(alert, json)
        last.store(alert.seq, ordering: .relaxed)
        saveState()
    }

    private func saveState() {
        guard let stateFile else { return }
        let temporary = stateFile + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(lastSequence)\n".utf8)) else {
            logger.error("cannot write the consumer state to \(temporary)")
            return
        }
        // rename(2) replaces the old state atomically: a crash leaves the old or the new, never half.
        if rename(temporary, stateFile) != 0 { logger.error("cannot replace \(stateFile): \(String(cString: strerror(errno)))") }
    }
}
