import CityBrainCore
import Logging
import ZeroMQ

/// Answers "alerts after sequence N" from the journal on a ROUTER socket (the Clone pattern of
/// the ZeroMQ Guide): a consumer subscribes to the live stream first, then fetches the backlog
/// here, and drops what it already has by sequence number.
///
/// Request (one frame): `after <N>`. Replies: one message `alert`, `<json>` per journaled alert
/// with seq > N (up to 10 000), then `end`, `<last seq sent or N> <journal's last seq> <epoch>`.
/// A consumer asks again while the first number is below the second. Anything else gets `error`,
/// `<reason>`.
public final class CatchupServer: Sendable {
    public static let pageSize = 10_000
    private let context: Context
    private let endpoints: [String]
    private let journal: AlertJournal
    private let logger: Logger
    private let thread = SocketThread(name: "citybrain-catchup")
    private let security: SocketSecurity
    private let watchHandshakes: HandshakeWatcher?

    public init(context: Context, endpoints: [String], journal: AlertJournal, security: SocketSecurity = .none, logger: Logger,
                watchHandshakes: HandshakeWatcher? = nil) {
        self.security = security
        self.watchHandshakes = watchHandshakes
        self.context = context
        self.endpoints = endpoints
        self.journal = journal
        self.logger = logger
    }

    public func start() throws {
        try thread.start(setup: { [context, endpoints, security, watchHandshakes] in
            let socket = try Socket(context, .router)
            try socket.setLinger(milliseconds: 0)
            try security.apply(to: socket)
            try watchHandshakes?(socket, "the catch-up endpoint")
            try socket.setSendHighWaterMark(200_000)
            for endpoint in endpoints { try socket.bind(endpoint) }
            return socket
        }) { [self] socket, isStopping in
            serve(socket, isStopping: isStopping)
        }
        logger.info("catch-up: ROUTER on \(endpoints.joined(separator: ", "))")
    }

    public func stop() { thread.stop() }

    private func serve(_ socket: Socket, isStopping: () -> Bool) {
        serveMessages(on: socket, isStopping: isStopping) { request in
            answer(request, on: socket)
            return true
        }
        socket.close()
    }

    private func answer(_ request: Message, on socket: Socket) {
        guard request.frames.count >= 2, let identity = request.frames.first else { return }
        let text = request.string(at: request.frames.count - 1) ?? ""
        let words = text.split(separator: " ")
        guard words.count == 2, words[0] == "after", let after = UInt64(words[1]) else {
            _ = try? socket.send(Message(frames: [identity, Array("error".utf8), Array("expected 'after <seq>', got '\(text.prefix(60))'".utf8)]))
            return
        }
        do {
            let alerts = try journal.alerts(after: after, limit: Self.pageSize)
            for alert in alerts {
                try socket.send(Message(frames: [identity, Array("alert".utf8), Array(alert.json.utf8)]))
            }
            let sent = alerts.last?.seq ?? after
            try socket.send(Message(frames: [identity, Array("end".utf8), Array("\(sent) \(journal.lastSequence) \(journal.epoch)".utf8)]))
        } catch {
            logger.error("catch-up request failed: \(error)")
            _ = try? socket.send(Message(frames: [identity, Array("error".utf8), Array("\(error)".utf8)]))
        }
    }
}
