import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The ingest loop: owns the feed sockets on a thread of its own, receives frames in batches,
/// decodes them without copying, counts and reports rejects, and hands each batch of events on.
///
/// A message is one JSON frame, or a topic frame then a JSON frame (see `docs/wire-format.md`);
/// any other frame count is rejected as ``RejectReason/wrongFrameCount``. A bad frame never
/// affects the good frames around it.
///
/// **Overload.** A PULL feed gets backpressure: while the engine is full the loop stops reading
/// PULL sockets, their queues fill to the high-water mark and the senders wait. A SUB feed cannot
/// wait (libzmq would drop frames unseen), so the loop keeps reading it and an
/// ``OverloadShedder`` decides which readings wait and which are shed, counted by reason and
/// sensor. Memory stays bounded either way: `receiveHighWaterMark` per socket, `maxWaiting`
/// readings in the loop, the engine's batches in flight.
public final class FeedReceiver: Sendable {
    /// Tuning knobs with production defaults.
    public struct Options: Sendable {
        /// Largest JSON frame decoded; larger ones are rejected and counted.
        public var maxFrameBytes = 64 * 1024
        /// The kinds accepted (``Pipeline/knownKinds``); frames of others are rejected as
        /// `unknown_kind`. ``FeedReceiver/accept(kinds:)`` changes them while running.
        public var kinds = EventKind.builtIn
        /// Hard cap libzmq enforces per message (`ZMQ_MAXMSGSIZE`); a peer that exceeds it is
        /// disconnected by libzmq before CityBrain sees the message.
        public var maxMessageBytes: Int64 = 1024 * 1024
        /// Events handed on per batch, at most.
        public var batchSize = 4096
        /// Receive queue per socket, in messages (`ZMQ_RCVHWM`).
        public var receiveHighWaterMark: Int32 = 100_000
        /// Readings of SUB feeds that may wait while the engine is full; more are shed.
        public var maxWaitingWhenFull = 65_536
        /// The feed sockets' mechanism: CURVE server to accept only allowed publishers.
        public var security: SocketSecurity = .none
        /// Watches the feed sockets' handshakes (with CURVE).
        public var watchHandshakes: HandshakeWatcher?

        public init() {}
    }

    private let context: Context
    private let endpoints: FeedEndpoints
    private let options: Options
    private let statistics: IngestStatistics
    private let reporter: RejectionReporter
    private let deliver: @Sendable ([Event], Handoff) -> Bool
    private let logFrames: (@Sendable ([UInt8], Int) -> Void)?
    private let logger: Logger
    private let thread = SocketThread(name: "citybrain-ingest")
    private let chores = Mutex<[ClosureBox<@Sendable () -> Void>]>([])
    /// The decoder in force, read by the loop once per round (a reload may change its kinds).
    private let decoder: Mutex<EventDecoder>

    /// How a batch is handed on.
    public enum Handoff: Sendable {
        /// Wait for room (backpressure); the batch is always taken.
        case wait
        /// Take the batch only if there is room now (``StreamEngine/trySubmit(_:)``); report
        /// whether it was taken.
        case ifRoom
    }

    /// - Parameters:
    ///   - logFrames: when set, receives the accepted frames of each batch as they arrived, in
    ///     the recording format's records (``RecordingFormat``), with their count, just before
    ///     the batch is delivered (the input log writes them as they are, without re-encoding).
    ///     Shed readings are not among them.
    ///   - deliver: receives each decoded batch on the ingest thread and says whether it took it
    ///     (always, for ``Handoff/wait``), e.g. ``StreamEngine/submit(_:)`` or
    ///     ``StreamEngine/trySubmit(_:)``.
    public init(
        context: Context, endpoints: FeedEndpoints, options: Options = Options(),
        statistics: IngestStatistics, reporter: RejectionReporter, logger: Logger,
        logFrames: (@Sendable ([UInt8], Int) -> Void)? = nil,
        deliver: @escaping @Sendable ([Event], Handoff) -> Bool
    ) {
        self.logFrames = logFrames
        self.context = context
        self.endpoints = endpoints
        self.options = options
        self.decoder = Mutex(EventDecoder(maxFrameBytes: options.maxFrameBytes, kinds: options.kinds))
        self.statistics = statistics
        self.reporter = reporter
        self.logger = logger
        self.deliver = deliver
    }

    /// A receiver whose consumer always takes the batch (blocking as it likes): nothing is shed.
    public convenience init(
        context: Context, endpoints: FeedEndpoints, options: Options = Options(),
        statistics: IngestStatistics, reporter: RejectionReporter, logger: Logger,
        deliver: @escaping @Sendable ([Event]) -> Void
    ) {
        self.init(context: context, endpoints: endpoints, options: options, statistics: statistics, reporter: reporter,
                  logger: logger) { events, _ in
            deliver(events)
            return true
        }
    }

    /// Starts the ingest thread; returns once every socket is bound or connected, or throws the
    /// first socket error.
    public func start() throws {
        try thread.start(setup: { [self] in try openSockets() }) { [self] sockets, isStopping in
            receiveLoop(sockets, isStopping: isStopping)
        }
    }

    /// Runs `work` on the ingest thread between two batches (within about 100 ms), where it may
    /// call the engine like the ingest loop does, e.g. to reload the pipeline.
    public func perform(_ work: @escaping @Sendable () -> Void) {
        chores.withLock { $0.append(ClosureBox(work)) }
    }

    /// Accepts `kinds` from the next frame on (a reloaded pipeline that declares other kinds).
    public func accept(kinds: [EventKind]) {
        decoder.withLock { $0 = EventDecoder(maxFrameBytes: options.maxFrameBytes, kinds: kinds) }
    }

    /// Asks the loop to finish its current batch and stop; waits until it has, then returns.
    /// Every event received before the call has been delivered.
    public func stop() {
        thread.stop()
    }

    private func receiveLoop(_ sockets: [(socket: Socket, name: String, sheds: Bool)], isStopping: () -> Bool) {
        var poller = Poller()
        for entry in sockets { poller.add(entry.socket) }
        var gaps = SequenceGapTracker()
        var batch = WaitingBatch(capacity: options.batchSize)
        var counts = IngestStatistics.Snapshot()
        var frames = FrameLog(enabled: logFrames != nil)
        // Only a receiver with SUB sockets sheds; one with PULL sockets alone waits for the engine.
        let handoff: Handoff = sockets.contains(where: \.sheds) ? .ifRoom : .wait
        var shedder = OverloadShedder(maxWaiting: max(options.batchSize, options.maxWaitingWhenFull))
        while !isStopping() {
            for chore in chores.withLock({ pending in defer { pending.removeAll() }; return pending }) { chore.function() }
            let decoder = self.decoder.withLock { $0 }
            let ready: [Int]
            do {
                // While readings wait for a full engine, come back soon to offer them again.
                ready = try poller.poll(timeoutMilliseconds: shedder.isOverloaded ? 1 : 100)
            } catch {
                logger.error("feed poll failed: \(error)")
                break
            }
            // Drain every ready socket in bounded slices so one busy feed cannot starve another.
            var progress = !ready.isEmpty
            if frames.enabled { frames.receivedAt = Int64(Date().timeIntervalSince1970 * 1000) }
            while progress {
                progress = false
                for index in ready {
                    let (socket, name, sheds) = sockets[index]
                    // A full engine: PULL sockets are left unread (their senders wait), SUB sockets read on.
                    if shedder.isOverloaded && !sheds { continue }
                    var taken = 0
                    while taken < options.batchSize {
                        let mark = frames.mark
                        guard let received = receiveOne(from: socket, name: name, decoder: decoder, counts: &counts, frames: &frames,
                                                        sheds: sheds, shedder: &shedder, gaps: &gaps) else { break }
                        progress = true
                        taken += 1
                        guard let event = received else { continue }
                        if let sequence = event.sequence {
                            let (lost, restarted) = gaps.observe(sensor: event.sensor, sequence: sequence)
                            counts.lost += lost
                            if restarted { counts.sequenceRestarts += 1 }
                        }
                        guard shedder.admit(event, waiting: batch.count) else {
                            frames.rollback(to: mark)
                            counts.accepted -= 1
                            continue
                        }
                        batch.append(event)
                        if batch.count >= options.batchSize && !shedder.isOverloaded { break }
                    }
                    if batch.count >= options.batchSize { flush(&batch, &counts, &frames, &shedder, handoff) }
                }
            }
            flush(&batch, &counts, &frames, &shedder, handoff)
        }
        // Stopping: whatever waits is handed over, waiting for room.
        flush(&batch, &counts, &frames, &shedder, .wait)
        for entry in sockets { entry.socket.close() }
    }

    private func flush(_ batch: inout WaitingBatch, _ counts: inout IngestStatistics.Snapshot, _ frames: inout FrameLog,
                       _ shedder: inout OverloadShedder, _ handoff: Handoff) {
        if let shed = shedder.takeCounts() {
            for (reason, count) in shed.byReason { counts.shed[reason, default: 0] += count }
            statistics.addShed(bySensor: shed.bySensor, at: Int64(Date().timeIntervalSince1970 * 1000))
        }
        if counts.frames > 0 || counts.lost > 0 || counts.sequenceRestarts > 0 || !counts.shed.isEmpty {
            statistics.add(counts)
            counts = IngestStatistics.Snapshot()
        }
        // Handed on in parts of at most the batch size (a batch that waited for a full engine is
        // larger), each logged just before it goes: the input log never runs ahead of the engine,
        // and a part the engine refused was logged already, so it is not logged again.
        while !batch.isEmpty {
            let part = batch.nextPart(limit: options.batchSize)
            if let logFrames, let unlogged = frames.takeUnlogged(through: part.range.upperBound) {
                logFrames(unlogged.records, unlogged.count)
            }
            guard deliver(part.events, handoff) else {
                shedder.engineFull(waiting: batch.waiting)
                statistics.setWaiting(batch.count)
                return
            }
            frames.dropFirst(batch.took(part.range))
            shedder.engineTook(part.events)
        }
        if shedder.isOverloaded { statistics.setWaiting(0) }
        frames.removeAll()
        shedder.engineTookBatch()
    }

    private func openSockets() throws -> [(socket: Socket, name: String, sheds: Bool)] {
        var sockets: [(socket: Socket, name: String, sheds: Bool)] = []
        func configure(_ socket: Socket) throws {
            try socket.setReceiveHighWaterMark(options.receiveHighWaterMark)
            try socket.setMaxMessageSize(options.maxMessageBytes)
            try socket.setLinger(milliseconds: 0)
            try options.security.apply(to: socket)
            try options.watchHandshakes?(socket, "the feed")
        }
        if !endpoints.subscribe.isEmpty {
            let sub = try Socket(context, .sub)
            try configure(sub)
            for topic in endpoints.topics.isEmpty ? [""] : endpoints.topics { try sub.subscribe(topic) }
            for endpoint in endpoints.subscribe { try sub.connect(endpoint) }
            sockets.append((sub, endpoints.subscribe.joined(separator: ","), true))
        }
        for endpoint in endpoints.pull {
            let pull = try Socket(context, .pull)
            try configure(pull)
            try pull.bind(endpoint)
            sockets.append((pull, endpoint, false))
        }
        for entry in sockets { logger.info("ingest: \(entry.socket.type) on \(entry.name)") }
        return sockets
    }

    /// Receives and decodes one message. `nil`: nothing waiting. `.some(nil)`: rejected, or shed
    /// by its topic before decoding (on a socket that `sheds`, see ``OverloadShedder/shedsUndecoded(sensor:)``).
    private func receiveOne(from socket: Socket, name: String, decoder: EventDecoder, counts: inout IngestStatistics.Snapshot,
                            frames: inout FrameLog, sheds: Bool, shedder: inout OverloadShedder,
                            gaps: inout SequenceGapTracker) -> Event?? {
        do {
            enum First { case decoded(Result<Event, FrameRejection>), topic([UInt8]) }
            var rejectedFrame: (topic: [UInt8]?, payload: [UInt8]) = (nil, [])
            let first = try socket.receiveFrame(dontWait: true) { bytes, more -> First in
                if more { return .topic(Array(bytes)) }
                let result = Result { () throws(FrameRejection) in try decoder.decode(json: bytes) }
                if case .failure = result { rejectedFrame = (nil, Array(bytes)) } else { frames.append(topic: nil, payload: bytes) }
                return .decoded(result)
            }
            let outcome: Result<Event, FrameRejection>
            switch first {
            case nil:
                return nil
            case .decoded(let result)?:
                outcome = result
            case .topic(let topic)?:
                if sheds, shedder.isOverloaded,
                   let sensor = topic.withUnsafeBytes({ FeedTopic.sensor(of: $0) }), shedder.shedsUndecoded(sensor: sensor) {
                    _ = try socket.discardRemainingFrames()
                    counts.frames += 1
                    gaps.skipped(sensor: sensor)
                    return .some(nil)
                }
                let second = try socket.receiveFrame { json, more -> Result<Event, FrameRejection> in
                    rejectedFrame = (topic, [])
                    if more { return .failure(FrameRejection(.wrongFrameCount, "")) }
                    let result = topic.withUnsafeBytes { topicBytes in
                        Result { () throws(FrameRejection) in try decoder.decode(json: json, topic: topicBytes) }
                    }
                    if case .failure = result { rejectedFrame.payload = Array(json) } else { frames.append(topic: topic, payload: json) }
                    return result
                }
                switch second {
                case .failure(let rejection)? where rejection.reason == .wrongFrameCount:
                    let extra = try socket.discardRemainingFrames()
                    outcome = .failure(FrameRejection(.wrongFrameCount, "message has \(2 + extra) frames; expected 1 (JSON) or 2 (topic, JSON)"))
                case let result?:
                    outcome = result
                case nil:
                    outcome = .failure(FrameRejection(.wrongFrameCount, "message ended after its topic frame"))
                }
            }
            switch outcome {
            case .success(let event):
                counts.frames += 1
                counts.accepted += 1
                return .some(event)
            case .failure(let rejection):
                counts.record(rejection)
                reporter.report(rejection, source: name, topic: rejectedFrame.topic, payload: rejectedFrame.payload)
                return .some(nil)
            }
        } catch {
            logger.error("feed receive on \(name) failed: \(error)")
            return nil
        }
    }
}
