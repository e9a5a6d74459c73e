import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The ingest loop: owns the feed sockets on a thread of its own, receives frames in batches,
/// decodes them without copying, counts and reports rejects, and hands each batch of events on.
///
/// A message is one body frame, or a topic frame then a body frame (see `docs/wire-format.md`);
/// any other frame count is rejected as ``RejectReason/wrongFrameCount``. A body is native JSON,
/// a SenML pack or NGSI-LD entities (``FeedFormat``, per endpoint: `docs/feed-formats.md`); a
/// pack may carry several events. A bad frame, or a bad record of a pack, never affects the good
/// ones around it.
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
        /// The kinds and measurements accepted (``Pipeline``'s); frames of other kinds are
        /// rejected as `unknown_kind`. ``FeedReceiver/accept(_:)`` changes them while running.
        public var catalogue = MeasurementCatalogue.builtIn
        /// The format of endpoints that name none (``FeedEndpoints/formats``).
        public var format = FeedFormat.auto
        /// SenML names and NGSI-LD models beyond the defaults.
        public var mapping = FeedMapping()
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
        /// A shard of a sharded city keeps only its own events; the others are counted
        /// (``IngestStatistics/Snapshot/otherShards``) and dropped before the input log.
        public var shard: ShardFilter?
        /// Count the events of each kind (``IngestStatistics/Snapshot/decodedByKind``; for
        /// `/metrics`): one dictionary update per event, so only when asked.
        public var countKinds = false
        /// Where the receive time of each round comes from (the input log's stamp, SenML's "now").
        public var clock: any WallClock = SystemClock()

        public init() {}
    }

    private let context: Context
    private let endpoints: FeedEndpoints
    private let options: Options
    private let statistics: IngestStatistics
    private let reporter: RejectionReporter
    private let deliver: @Sendable ([Event], Handoff) -> Bool
    private let logFrames: (@Sendable ([UInt8], Int) -> Void)?
    private typealias FeedSocket = (socket: Socket, name: String, sheds: Bool, format: FeedFormat)
    private let logger: Logger
    private let thread = SocketThread(name: "citybrain-ingest")
    private let chores = Mutex<[ClosureBox<@Sendable () -> Void>]>([])
    /// The decoder in force, read by the loop once per round (a reload may change its kinds).
    private let decoder: Mutex<FeedDecoder>

    /// How a batch is handed on.
    public enum Handoff: Sendable {
        /// Wait for room (backpressure); the batch is always taken.
        case wait
        /// Take the batch only if there is room now (``StreamEngine/trySubmit(_:)``); report
        /// whether it was taken.
        case ifRoom
    }

    /// - Parameters:
    ///   - logFrames: when set, receives the accepted frames of each batch, one per event, in
    ///     the recording format's records (``RecordingFormat``), with their count, just before
    ///     the batch is delivered. Native frames are logged as they arrived (the input log writes
    ///     them without re-encoding); the events of SenML and NGSI-LD frames as native frames,
    ///     so the log replays without the format's settings. Shed readings are not among them.
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
        self.decoder = Mutex(FeedDecoder(format: options.format, maxFrameBytes: options.maxFrameBytes, catalogue: options.catalogue,
                                         mapping: options.mapping))
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

    /// Accepts the kinds and measurements of `catalogue` from the next frame on (a reloaded
    /// pipeline that declares others).
    public func accept(_ catalogue: MeasurementCatalogue) {
        decoder.withLock { $0 = FeedDecoder(format: options.format, maxFrameBytes: options.maxFrameBytes, catalogue: catalogue, mapping: options.mapping) }
    }

    /// Asks the loop to finish its current batch and stop; waits until it has, then returns.
    /// Every event received before the call has been delivered, and so have the messages
    /// waiting in the sockets' queues, at most ``Options/receiveHighWaterMark`` per socket in
    /// all (what a sender sends meanwhile is not waited for).
    public func stop() {
        thread.stop()
    }

    private func receiveLoop(_ sockets: [FeedSocket], isStopping: () -> Bool) {
        var poller = Poller()
        for entry in sockets { poller.add(entry.socket) }
        var gaps = SequenceGapTracker()
        var batch = WaitingBatch(capacity: options.batchSize)
        var counts = IngestStatistics.Snapshot()
        var frames = FrameLog(enabled: logFrames != nil)
        var shapes = FrameShapes()
        var receivedAt: Int64 = 0
        // Only a receiver with SUB sockets sheds; one with PULL sockets alone waits for the engine.
        let handoff: Handoff = sockets.contains(where: \.sheds) ? .ifRoom : .wait
        var shedder = OverloadShedder(maxWaiting: max(options.batchSize, options.maxWaitingWhenFull))
        /// Reads the sockets at `indexes` in slices of at most a batch each, round after round
        /// (so one busy feed cannot starve another), until none has a message waiting or
        /// `budget` messages have been read. One receive time for the call: the input log's
        /// stamp, and SenML's "now".
        func readRounds(_ indexes: [Int], handoff: Handoff, budget: Int = .max) {
            let decoder = self.decoder.withLock { $0 }
            receivedAt = options.clock.epochMilliseconds
            frames.receivedAt = receivedAt
            var budget = budget
            var progress = !indexes.isEmpty
            while progress {
                progress = false
                for index in indexes {
                    let (socket, name, sheds, format) = sockets[index]
                    let decoder = decoder.reading(format)
                    // A full engine: PULL sockets are left unread (their senders wait), SUB sockets read on.
                    if shedder.isOverloaded && !sheds { continue }
                    var taken = 0
                    while taken < options.batchSize && budget > 0 {
                        let mark = frames.mark
                        guard let received = receiveOne(from: socket, name: name, decoder: decoder, receivedAt: receivedAt, counts: &counts,
                                                        frames: &frames, shapes: &shapes, sheds: sheds, shedder: &shedder, gaps: &gaps) else { break }
                        progress = true
                        taken += 1
                        budget -= 1
                        // Consuming: the event moves into the batch (a borrowed one was copied,
                        // retaining its strings and readings, and the frame's copy released).
                        func admit(_ event: consuming Event, mark: (bytes: Int, count: Int)) {
                            if let shard = options.shard, !shard.keeps(event) {
                                frames.rollback(to: mark)
                                counts.accepted -= 1
                                counts.otherShards += 1
                                return
                            }
                            if let sequence = event.sequence {
                                let (lost, restarted) = gaps.observe(sensor: event.sensor, sequence: sequence)
                                counts.lost += lost
                                if restarted { counts.sequenceRestarts += 1 }
                            }
                            guard shedder.admit(event, waiting: batch.count) else {
                                frames.rollback(to: mark)
                                counts.accepted -= 1
                                return
                            }
                            batch.append(event)
                        }
                        switch consume received {
                        case .event(let event):
                            admit(event, mark: mark)
                        case .converted(let event):
                            frames.append(event: event)
                            admit(event, mark: mark)
                        case .events(let events, _):
                            // Each event of a pack is logged as a native frame of its own, so one
                            // shed reading takes back its own record only.
                            for event in events {
                                let mark = frames.mark
                                frames.append(event: event)
                                admit(event, mark: mark)
                            }
                        }
                        if batch.count >= options.batchSize && !shedder.isOverloaded { break }
                    }
                    if batch.count >= options.batchSize { flush(&batch, &counts, &frames, &shedder, handoff) }
                }
            }
        }
        while !isStopping() {
            for chore in chores.withLock({ pending in defer { pending.removeAll() }; return pending }) { chore.function() }
            let ready: [Int]
            do {
                // While readings wait for a full engine, come back soon to offer them again.
                ready = try poller.poll(timeoutMilliseconds: shedder.isOverloaded ? 1 : 100)
            } catch {
                logger.error("feed poll failed: \(error)")
                break
            }
            readRounds(ready, handoff: handoff)
            flush(&batch, &counts, &frames, &shedder, handoff)
        }
        // Stopping: whatever waits is handed over, waiting for room. Then what the sockets hold
        // is read too, at most as many messages as their receive queues hold (a sender that
        // goes on sending cannot hold the stop up): closing drops them, and a PULL sender
        // counts them as delivered.
        flush(&batch, &counts, &frames, &shedder, .wait)
        readRounds(Array(sockets.indices), handoff: .wait, budget: Int(options.receiveHighWaterMark) * sockets.count)
        flush(&batch, &counts, &frames, &shedder, .wait)
        for entry in sockets { entry.socket.close() }
    }

    private func flush(_ batch: inout WaitingBatch, _ counts: inout IngestStatistics.Snapshot, _ frames: inout FrameLog,
                       _ shedder: inout OverloadShedder, _ handoff: Handoff) {
        if let shed = shedder.takeCounts() {
            for (reason, count) in shed.byReason { counts.shed[reason, default: 0] += count }
            statistics.addShed(bySensor: shed.bySensor, at: options.clock.epochMilliseconds)
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

    private func openSockets() throws -> [FeedSocket] {
        var sockets: [FeedSocket] = []
        func configure(_ socket: Socket) throws {
            try socket.setReceiveHighWaterMark(options.receiveHighWaterMark)
            try socket.setMaxMessageSize(options.maxMessageBytes)
            try socket.setLinger(milliseconds: 0)
            try options.security.apply(to: socket)
            try options.watchHandshakes?(socket, "the feed")
        }
        // One SUB socket per format, so each message is decoded as its endpoint says.
        let subscribeFormats = endpoints.subscribe.map { endpoints.format(of: $0) ?? options.format }
        for format in FeedFormat.allCases where subscribeFormats.contains(format) {
            let group = zip(endpoints.subscribe, subscribeFormats).filter { $0.1 == format }.map(\.0)
            let sub = try Socket(context, .sub)
            try configure(sub)
            for topic in endpoints.topics.isEmpty ? [""] : endpoints.topics { try sub.subscribe(topic) }
            for endpoint in group { try sub.connect(endpoint) }
            sockets.append((sub, group.joined(separator: ","), true, format))
        }
        for endpoint in endpoints.pull {
            let pull = try Socket(context, .pull)
            try configure(pull)
            try pull.bind(endpoint)
            sockets.append((pull, endpoint, false, endpoints.format(of: endpoint) ?? options.format))
        }
        for entry in sockets { logger.info("ingest: \(entry.socket.type) on \(entry.name) (\(entry.format.rawValue))") }
        return sockets
    }

    /// Receives and decodes one message. `nil`: nothing waiting. No events: rejected, or shed by
    /// its topic before decoding (on a socket that `sheds`, see ``OverloadShedder/shedsUndecoded(sensor:)``).
    /// A native frame is added to `frames` here, as it arrived; the events of other formats are
    /// added by the caller, one native record each.
    private func receiveOne(from socket: Socket, name: String, decoder: FeedDecoder, receivedAt: Int64, counts: inout IngestStatistics.Snapshot,
                            frames: inout FrameLog, shapes: inout FrameShapes, sheds: Bool, shedder: inout OverloadShedder,
                            gaps: inout SequenceGapTracker) -> FrameContent? {
        let nothing = FrameContent.events([], rejected: [])
        do {
            enum First { case decoded(Result<FrameContent, FrameRejection>), topic([UInt8]) }
            var rejectedFrame: (topic: [UInt8]?, payload: [UInt8]) = (nil, [])
            func decode(_ body: UnsafeRawBufferPointer, topic: [UInt8]?) -> Result<FrameContent, FrameRejection> {
                let result = if let topic {
                    topic.withUnsafeBytes { topicBytes in
                        Result { () throws(FrameRejection) in try decoder.decode(frame: body, topic: topicBytes, receivedAt: receivedAt, shapes: &shapes) }
                    }
                } else {
                    Result { () throws(FrameRejection) in try decoder.decode(frame: body, receivedAt: receivedAt, shapes: &shapes) }
                }
                switch result {
                case .success(.event): frames.append(topic: topic, payload: body)
                case .success(.events(_, let rejected)) where !rejected.isEmpty: rejectedFrame = (topic, Array(body))
                case .failure: rejectedFrame = (topic, Array(body))
                case .success: break
                }
                return result
            }
            let first = try socket.receiveFrame(dontWait: true) { bytes, more -> First in
                if more { return .topic(Array(bytes)) }
                return .decoded(decode(bytes, topic: nil))
            }
            let outcome: Result<FrameContent, FrameRejection>
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
                    return nothing
                }
                let second = try socket.receiveFrame { body, more -> Result<FrameContent, FrameRejection> in
                    rejectedFrame = (topic, [])
                    if more { return .failure(FrameRejection(.wrongFrameCount, "")) }
                    return decode(body, topic: topic)
                }
                switch second {
                case .failure(let rejection)? where rejection.reason == .wrongFrameCount:
                    let extra = try socket.discardRemainingFrames()
                    outcome = .failure(FrameRejection(.wrongFrameCount, "message has \(2 + extra) frames; expected 1 (body) or 2 (topic, body)"))
                case let result?:
                    outcome = result
                case nil:
                    outcome = .failure(FrameRejection(.wrongFrameCount, "message ended after its topic frame"))
                }
            }
            switch outcome {
            case .success(let content):
                counts.record(content)
                if options.countKinds { counts.countKinds(content) }
                for rejection in content.rejected {
                    reporter.report(rejection, source: name, topic: rejectedFrame.topic, payload: rejectedFrame.payload)
                }
                return content
            case .failure(let rejection):
                counts.record(rejection)
                reporter.report(rejection, source: name, topic: rejectedFrame.topic, payload: rejectedFrame.payload)
                return nothing
            }
        } catch {
            logger.error("feed receive on \(name) failed: \(error)")
            return nil
        }
    }
}
