import CityBrainCore
import CityBrainHandling
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// A running CityBrain: feed sockets → engine → alert dispatcher → publisher and other sinks.
///
/// ```swift
/// let live = try LivePipeline(context: context, configuration: .init(pipeline: pipeline,
///     feeds: FeedEndpoints(subscribe: ["tcp://127.0.0.1:5556"]), alertEndpoints: ["tcp://127.0.0.1:5557"]),
///     logger: logger)
/// try live.start()
/// …
/// live.stop()   // drains every received event and published alert
/// ```
/// `@unchecked Sendable`: every stored property is immutable and thread-safe; the heartbeat timer
/// is only resumed and cancelled, which Dispatch allows from any thread.
public final class LivePipeline: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var pipeline: Pipeline
        public var feeds: FeedEndpoints
        /// XPUB endpoints to bind for the alert stream; empty publishes nothing.
        public var alertEndpoints: [String]
        public var partitions: Int
        /// Leave the wall-clock `emitted_at` out of alerts.
        public var deterministic: Bool
        /// What the alert endpoints publish besides alerts (window results, late events).
        public var publish: RecordSelection
        /// Where rejected frames are written in full, if anywhere.
        public var deadLetters: DeadLetterWriter?
        /// The alert journal: alerts are written to it before they are published.
        public var journal: AlertJournal?
        /// ROUTER endpoints answering catch-up requests from the journal.
        public var catchupEndpoints: [String]
        /// CURVE: the server's secret key for feed, alert and catch-up sockets, and the public keys
        /// of the publishers and consumers allowed in. `nil` is the NULL mechanism.
        public var curve: (secretKey: String, allowedClients: [String])?
        public var receiver: FeedReceiver.Options
        /// Told about every batch the alert publisher has sent (see ``AlertPublisher/PublishObserver``).
        public var onPublished: AlertPublisher.PublishObserver?
        /// Keep an operations desk (alert handling, escalation) with this policy.
        public var handling: HandlingPolicy?
        /// Keep a ``CityOverview`` (parking, traffic speed) for the web page: the pipeline runs
        /// with ``PageOverviewOutputs`` added, and their window results feed it.
        public var overview = false
        /// Keep the anomaly rules' recent scored readings (``SeriesRecorder``) for the web page,
        /// which draws an alert's series with its expected band. The engine then scores every
        /// reading, whether or not scores are published.
        public var series = false
        /// Give memory the allocator keeps after it was freed back to the system now and then
        /// (``MemoryReclaimer``).
        public var reclaimMemory = true
        /// Told each published alert's ingest→publish latency, in nanoseconds (for metrics).
        public var onAlertLatency: (@Sendable (UInt64) -> Void)?
        /// Checkpoints (and the input log): the engine resumes from the newest checkpoint, re-reads
        /// the input log from there, and alerts already journaled are not published again.
        public var durability: DurabilitySettings?
        /// Webhooks the journal is delivered to (needs ``journal``); see ``WebhookDeliverer``.
        public var webhooks: [WebhookTarget] = []
        /// How webhooks receive alerts.
        public var webhookFormat = AlertFormat.native
        /// Signs webhook deliveries, when set.
        public var webhookSignature: WebhookSignature?
        /// Webhook timeouts and backoff.
        public var webhookSettings = WebhookDeliverer.Settings()
        /// The wall clock of every part it builds that stamps or waits (alerts' `emitted_at`,
        /// heartbeats, receive times, escalations, wall-time checkpoints, webhook back-off). The
        /// journal and the dead-letter file, built by the caller, take theirs when they are made.
        public var clock: any WallClock = SystemClock()

        public init(
            pipeline: Pipeline, feeds: FeedEndpoints, alertEndpoints: [String], partitions: Int = ProcessInfoCores.active,
            deterministic: Bool = false, publish: RecordSelection = .alerts, receiver: FeedReceiver.Options = FeedReceiver.Options(),
            deadLetters: DeadLetterWriter? = nil, journal: AlertJournal? = nil, catchupEndpoints: [String] = [],
            curve: (secretKey: String, allowedClients: [String])? = nil
        ) {
            self.curve = curve
            self.pipeline = pipeline
            self.feeds = feeds
            self.alertEndpoints = alertEndpoints
            self.partitions = partitions
            self.deterministic = deterministic
            self.publish = publish
            self.receiver = receiver
            self.deadLetters = deadLetters
            self.journal = journal
            self.catchupEndpoints = catchupEndpoints
        }
    }

    public let engine: StreamEngine
    public let ingest = IngestStatistics()
    /// The operations desk, when ``Configuration/handling`` is set.
    public let desk: OperationsDesk?
    /// The city overview, when ``Configuration/overview`` is set.
    public let overview: OverviewTracker?
    private let addsPageOverview: Bool
    /// The anomaly rules' recent series, when ``Configuration/series`` is set.
    public let series: SeriesRecorder?
    /// The alert publisher, when alert endpoints were given.
    public let publisher: AlertPublisher?
    private let dispatcher: AlertDispatcher
    private let receiver: FeedReceiver
    private let catchup: CatchupServer?
    /// One per webhook target.
    public let webhooks: [WebhookDeliverer]
    private let zap: ZAPHandler?
    private let heartbeat: StreamHeartbeat?
    private let reclaimer: MemoryReclaimer?
    private let running = Atomic<Bool>(false)
    private let logger: Logger
    private let clock: any WallClock
    private let durability: DurabilitySettings?
    /// This run's shard of a sharded city, if it is one.
    private let shard: ShardFilter?
    private let checkpointer: Checkpointer?
    /// Checkpoints written since start (with durability).
    public var checkpointsWritten: Int { checkpointer?.written ?? 0 }
    /// The checkpoint the engine was restored from, if any.
    public let restoredFrom: Checkpoint?

    /// Whether the feed sockets are open and receiving: between a successful ``start()`` and
    /// ``stop()``. (The alert sockets are bound from construction on.)
    public var isRunning: Bool { running.load(ordering: .acquiring) }

    /// Binds the alert stream and prepares ingest; nothing is received before ``start()``.
    /// - Parameter sinks: further alert destinations (a JSON-lines file, the terminal).
    public init(context: Context, configuration original: Configuration, sinks: [any OutputSink] = [], logger: Logger) throws {
        var configuration = original
        if configuration.overview { configuration.pipeline = try configuration.pipeline.addingPageOverview() }
        self.addsPageOverview = configuration.overview
        var security = SocketSecurity.none
        var receiverOptions = configuration.receiver
        receiverOptions.catalogue = configuration.pipeline.catalogue
        receiverOptions.clock = configuration.clock
        if configuration.overview { receiverOptions.countKinds = true }
        var watchHandshakes: HandshakeWatcher?
        if let curve = configuration.curve {
            // The ZAP handler must be listening before any secured socket takes a connection.
            let handler = ZAPHandler(context: context, allowedClients: curve.allowedClients, logger: logger)
            try handler.start()
            zap = handler
            security = .server(secretKey: curve.secretKey)
            watchHandshakes = { socket, name in try handler.watch(socket, name: name) }
            receiverOptions.security = security
            receiverOptions.watchHandshakes = watchHandshakes
        } else {
            zap = nil
        }
        // Arrival times are kept only when someone wants the latency (the metrics of --http).
        let arrivals = configuration.onAlertLatency == nil ? nil : BatchArrivals()
        let publisher = configuration.alertEndpoints.isEmpty
            ? nil : try AlertPublisher(context: context, endpoints: configuration.alertEndpoints, selection: configuration.publish,
                                        security: security, clock: configuration.clock, logger: logger,
                                        onPublished: Self.publishObserver(configuration, arrivals: arrivals), watchHandshakes: watchHandshakes)
        let desk = configuration.handling.map { OperationsDesk(policy: $0, clock: configuration.clock) }
        if let desk, let journal = configuration.journal {
            do { desk.restore(from: try journal.alerts(after: 0)) } catch { logger.error("could not restore alert handling from the journal: \(error)") }
        }
        let series = configuration.series ? SeriesRecorder() : nil
        let overview = configuration.overview ? OverviewTracker() : nil
        let deskSinks: [any OutputSink] = (desk.map { [$0] } ?? []) + (series.map { [$0] } ?? []) + (overview.map { [$0] } ?? [])
        let recovered = try RecoveredEngine.start(store: configuration.durability?.store, pipeline: configuration.pipeline,
                                                  partitions: configuration.partitions, emitScores: configuration.publish.contains(.scores) || configuration.series,
                                                  ownership: configuration.receiver.shard?.ownership, logger: logger)
        let replaying = try recovered.checkpoint.map { try configuration.journal?.alerts(after: $0.lastSequence) ?? [] } ?? []
        let dispatcher = AlertDispatcher(
            sinks: (publisher.map { [$0] } ?? []) + sinks + deskSinks, deterministic: configuration.deterministic, journal: configuration.journal,
            replaying: replaying, numberingAfter: recovered.checkpoint?.lastSequence ?? 0, clock: configuration.clock
        ) { error in logger.critical("alert journal write failed; alerts are published without it: \(error)") }
        let engine = recovered.engine
        recovered.connect { dispatcher.handle($0) }
        let checkpointer = configuration.durability.map {
            Checkpointer(store: $0.store, interval: $0.interval, pipeline: configuration.pipeline.sources, inputLog: $0.inputLog,
                         journal: configuration.journal, clock: configuration.clock, logger: logger)
        }
        if let checkpointer { dispatcher.onCheckpoint { checkpointer.capture($0, lastSequence: $1) } }
        self.logger = logger
        self.clock = configuration.clock
        self.durability = configuration.durability
        self.shard = configuration.receiver.shard
        self.checkpointer = checkpointer
        self.restoredFrom = recovered.checkpoint
        desk?.connect { alerts in dispatcher.publish(alerts) }
        self.desk = desk
        self.overview = overview
        self.series = series
        self.reclaimer = configuration.reclaimMemory ? MemoryReclaimer(logger: logger) : nil
        self.publisher = publisher
        self.dispatcher = dispatcher
        self.engine = engine
        if !configuration.webhooks.isEmpty, configuration.journal == nil {
            throw WebhookTargetError(message: "webhooks are delivered from the alert journal: add a journal (--journal DIR)")
        }
        webhooks = configuration.journal.map { journal in
            configuration.webhooks.map { target in
                WebhookDeliverer(target: target, journal: journal, format: configuration.webhookFormat, signature: configuration.webhookSignature,
                                 stateDirectory: journal.directory.path + "/webhooks", settings: configuration.webhookSettings,
                                 clock: configuration.clock, logger: logger)
            }
        } ?? []
        if let journal = configuration.journal, !configuration.catchupEndpoints.isEmpty {
            catchup = CatchupServer(context: context, endpoints: configuration.catchupEndpoints, journal: journal, security: security, logger: logger,
                                    watchHandshakes: watchHandshakes)
        } else {
            catchup = nil
        }
        heartbeat = publisher.map { publisher in
            StreamHeartbeat(publisher: publisher) { (dispatcher.epoch, dispatcher.lastSequence) }
        }
        // The input log's position after the batch being delivered (both closures run on the ingest thread).
        let logged = Mutex(InputPosition.start)
        let logFrames: (@Sendable ([UInt8], Int) -> Void)? = configuration.durability?.inputLog.map { inputLog in
            { records, count in
                do {
                    let position = try inputLog.append(records: records, count: count)
                    logged.withLock { $0 = position }
                } catch {
                    logger.critical("input log write failed; events are processed without it: \(error)")
                }
            }
        }
        self.receiver = FeedReceiver(
            context: context, endpoints: configuration.feeds, options: receiverOptions,
            statistics: ingest, reporter: RejectionReporter(logger: logger, deadLetters: configuration.deadLetters), logger: logger,
            logFrames: logFrames
        ) { events, handoff in
            // The arrival time is stamped before the engine can emit the batch's alerts, and
            // taken back if the engine has no room for the batch.
            arrivals?.advance(by: events.count)
            switch handoff {
            case .wait:
                engine.submit(events)
            case .ifRoom:
                guard engine.trySubmit(events) else {
                    arrivals?.retractLast()
                    return false
                }
            }
            checkpointer?.submitted(to: engine, through: logged.withLock { $0 }, eventTime: events.last?.timestamp)
            return true
        }
    }

    private static func publishObserver(_ configuration: Configuration, arrivals: BatchArrivals?) -> AlertPublisher.PublishObserver? {
        guard let arrivals, let onLatency = configuration.onAlertLatency else { return configuration.onPublished }
        return { published in
            let now = SystemClock().uptimeNanoseconds  // before any other observer's work
            configuration.onPublished?(published)
            for (record, trigger) in published.timedRecords {
                // An operator's alert has no trigger, and no latency.
                guard case .alert = record, let trigger, let arrived = arrivals.time(of: trigger), now >= arrived else { continue }
                onLatency(now - arrived)
            }
        }
    }

    /// Switches to `pipeline` between two batches of live input; rules, outputs and correlations
    /// whose definition did not change keep their state. Returns once it is in force.
    public func reload(_ requested: Pipeline) -> ReloadSummary {
        // The page's outputs stay whatever the new files say.
        let pipeline = addsPageOverview ? ((try? requested.addingPageOverview()) ?? requested) : requested
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<ReloadSummary?>(nil)
        receiver.perform { [engine, checkpointer, receiver] in
            receiver.accept(pipeline.catalogue)
            let summary = engine.reload(pipeline)
            checkpointer?.pipelineChanged(pipeline.sources)
            result.withLock { $0 = summary }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 } ?? ReloadSummary()
    }

    /// Opens the feed sockets and starts receiving. With durability, first re-reads the input
    /// log from the restored checkpoint (or takes a first checkpoint when there was none).
    public func start() throws {
        if let durability, let checkpointer {
            if let restored = restoredFrom, let log = durability.inputLog {
                let replayed = try log.replay(after: restored.input, kinds: engine.pipeline.knownKinds, statistics: ingest,
                                              reporter: RejectionReporter(logger: logger, deadLetters: nil)) { [engine, shard, ingest] all, position in
                    // Logged under the plan in force then: a district that moved since is another shard's now.
                    var events = all
                    if let shard {
                        let (kept, others) = shard.split(all)
                        ingest.leftToOtherShards(others)
                        events = kept
                    }
                    engine.submit(events)
                    checkpointer.submitted(to: engine, through: position, eventTime: events.last?.timestamp)
                }
                logger.info("caught up: \(replayed) event(s) re-read from the input log after \(restored.input)")
            } else if restoredFrom == nil {
                checkpointer.take(engine, at: durability.inputLog?.position ?? .start)
            }
            drain()  // the snapshot reaches the checkpointer through the alert sink stage
            checkpointer.waitForWrites()
        }
        try catchup?.start()
        for webhook in webhooks { try webhook.start() }
        try receiver.start()
        heartbeat?.start()
        reclaimer?.start()
        desk?.startEscalating()
        running.store(true, ordering: .releasing)
    }

    /// Stops receiving, processes everything already received, publishes the resulting alerts
    /// and closes the sinks. Windows still open stay open: live input has no end.
    public func stop() {
        running.store(false, ordering: .releasing)
        receiver.stop()
        engine.drain()
        if let checkpointer {
            // A clean stop leaves a checkpoint of the very end: the next start re-reads nothing.
            checkpointer.take(engine, at: durability?.inputLog?.position ?? .start)
            drain()
            checkpointer.waitForWrites()
        }
        try? durability?.inputLog?.close()
        heartbeat?.stop()
        reclaimer?.stop()
        catchup?.stop()
        dispatcher.close()
        // What was journaled has a moment to reach the webhooks; the rest waits in the journal
        // for the next start.
        for webhook in webhooks { _ = webhook.waitUntilDelivered(within: 2) }
        for webhook in webhooks { webhook.stop() }
        zap?.stop()
    }

    /// Waits until every event received so far has been processed and its records journaled
    /// and handed to every sink (the alert socket among them).
    public func drain() {
        engine.drain()
        dispatcher.drain()
    }

    /// Counters for status displays.
    public var status: PipelineStatus {
        var status = PipelineStatus(ingest: ingest.snapshot, engine: engine.statistics, lastSequence: dispatcher.lastSequence,
                                    checkpoints: checkpointer?.status)
        status.overloadedSince = ingest.overloadedSince(now: clock.epochMilliseconds)
        if status.ingest.shedTotal > 0 { status.mostShed = ingest.mostShed(10).map { ShedSensor(sensor: $0.sensor, readings: $0.readings) } }
        status.longestCloseNanoseconds = engine.longestCloseNanoseconds
        status.memory = reclaimer?.statistics ?? MemoryReclaimer.Statistics()
        status.queues.ingestWaiting = ingest.waiting
        status.queues.engineBatches = status.engine.batchesInFlight
        status.queues.alertSinkBatches = dispatcher.batchesQueued
        status.queues.liveFeedClients = desk?.listenerCount ?? 0
        status.webhooks = webhooks.map(\.statistics)
        return status
    }

    /// CURVE connections accepted and refused, when CURVE is on.
    public var authentication: (accepted: Int, refused: Int)? { zap?.counts }
}
