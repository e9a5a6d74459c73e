import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Publishes alerts on a ZeroMQ XPUB socket as two frames: topic `alert.<department>.<severity>`
/// and the alert's JSON. Subscribers filter by topic prefix (`alert.traffic-police.`). With a
/// wider selection it also publishes window results (`window.<output>`) and late events
/// (`late.<kind>`).
///
/// The socket lives on the publisher's own serial queue. Being an XPUB, it also sees
/// subscriptions, so a caller can wait for consumers before the first alert
/// (``waitForSubscribers(_:timeoutMilliseconds:)``), which avoids PUB/SUB's "slow joiner" loss.
/// Missed alerts while no consumer is connected are the catch-up protocol's job.
///
/// **No queue of its own for alerts.** ``deliver(_:alertJSON:)`` sends on the caller's
/// thread (the alert sink stage, ``AlertDispatcher``), holding the publisher's queue only as the
/// socket's lock: an alert goes from the stage to the socket without another hop, and the
/// stage's bounded queue is the only one before it. Heartbeats and subscriptions use the same
/// queue.
public final class AlertPublisher: EncodedRecordSink, @unchecked Sendable {
    private let queue = DispatchQueue(label: "citybrain.alert-publisher")
    /// Records per call of the ``PublishObserver``.
    static let observedPart = 32
    /// Touched only on `queue`.
    private var socket: Socket?
    private var subscriptions = XPubSubscriptions()
    private let clock: any WallClock
    private let logger: Logger
    private let selection: RecordSelection
    private let onPublished: PublishObserver?
    /// The endpoints actually bound (with the port libzmq picked for `tcp://…:*`).
    public let boundEndpoints: [String]

    /// Called on the publisher's queue right after records went to the socket (a batch in parts
    /// of at most ``observedPart``), with each record's trigger position (used by `/metrics` and
    /// `citybrain bench` to measure ingest→alert latency).
    public typealias PublishObserver = @Sendable (_ published: OutputBatch) -> Void

    /// Binds an XPUB socket on each endpoint, e.g. `tcp://127.0.0.1:5557`.
    public init(context: Context, endpoints: [String], selection: RecordSelection = .alerts, security: SocketSecurity = .none,
                clock: any WallClock = SystemClock(), logger: Logger, onPublished: PublishObserver? = nil,
                watchHandshakes: HandshakeWatcher? = nil) throws {
        self.clock = clock
        self.onPublished = onPublished
        self.logger = logger
        self.selection = selection
        var bound: [String] = []
        var created: Socket?
        try queue.sync {
            let socket = try Socket(context, .xpub)
            try socket.setXPubVerbose(true)
            try socket.setSendHighWaterMark(100_000)
            try socket.setLinger(milliseconds: 2_000)
            try security.apply(to: socket)
            try watchHandshakes?(socket, "the alert stream")
            for endpoint in endpoints {
                try socket.bind(endpoint)
                bound.append(try socket.lastEndpoint)
            }
            created = socket
        }
        self.socket = created
        self.boundEndpoints = bound
        logger.info("alerts: XPUB on \(bound.joined(separator: ", "))")
    }

    public func deliver(_ records: [OutputRecord]) {
        deliver(.untimed(records), alertJSON: [])
    }

    public func deliver(_ batch: OutputBatch) {
        deliver(batch, alertJSON: [])
    }

    /// - Parameter alertJSON: each alert's wire JSON when the caller has it (aligned with the
    ///   batch's records; empty when it has none).
    public func deliver(_ all: OutputBatch, alertJSON allJSON: [String?]) {
        // Only what this stream publishes waits in its queue: window results it does not send
        // (the page's outputs, at one per sensor and minute) are not held for it.
        var batch = all
        var encoded = allJSON
        if all.records.contains(where: { !selection.includes($0) }) {
            let kept = all.records.indices.filter { selection.includes(all.records[$0]) }
            batch = all.selecting(kept)
            if !allJSON.isEmpty { encoded = kept.map { allJSON[$0] } }
            if batch.isEmpty { return }
        }
        let records = batch.records
        queue.sync {
            guard let socket else { return }
            subscriptions.drain(socket)
            // The observer hears of each part of the batch as soon as it is sent, so a part's
            // latency never counts the sending of the parts after it.
            var told = 0
            for (index, record) in records.enumerated() {
                do {
                    let json = index < encoded.count ? encoded[index] ?? record.json : record.json
                    try socket.send(Message(Self.topic(of: record), json))
                } catch {
                    logger.error("publishing \(Self.topic(of: record)) failed: \(error)")
                }
                if let onPublished, index + 1 - told == Self.observedPart || index + 1 == records.count {
                    onPublished(batch[told..<index + 1])
                    told = index + 1
                }
            }
        }
    }

    /// `alert.<department>.<severity>`, `window.<output>` or `late.<kind>`.
    static func topic(of record: OutputRecord) -> String {
        switch record {
        case .alert(let alert): alert.topic
        case .window(let result): "window.\(result.output)"
        case .late(let late): "late.\(late.event.kind.rawValue)"
        case .score(let score): "score.\(score.rule)"
        }
    }

    /// Sends a heartbeat, topic `heartbeat`, JSON `{"epoch":…,"seq":<last>,"ts":<now>}`, so a
    /// consumer can tell a quiet stream from a dead publisher.
    public func heartbeat(epoch: Int64?, lastSequence: UInt64) {
        queue.async { [self] in
            guard let socket else { return }
            subscriptions.drain(socket)
            var writer = JSONObjectWriter()
            if let epoch { writer.field("epoch", epoch) }
            writer.field("seq", lastSequence)
            writer.field("ts", clock.epochMilliseconds)
            _ = try? socket.send(Message("heartbeat", writer.finish()), dontWait: true)
        }
    }

    /// Waits until at least `count` subscriptions have arrived (each SUB socket sends one per
    /// topic prefix it subscribes to). Returns whether they did within the timeout.
    public func waitForSubscribers(_ count: Int, timeoutMilliseconds: Int) -> Bool {
        queue.sync {
            guard let socket else { return false }
            return subscriptions.wait(for: count, on: socket, within: Double(timeoutMilliseconds) / 1000, clock: clock)
        }
    }

    public func close() {
        queue.sync {
            socket?.close()
            socket = nil
        }
    }
}
