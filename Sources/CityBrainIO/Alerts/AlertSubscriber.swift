import CityBrainCore
import Foundation
import Logging
import ZeroMQ

/// Consumes an alert stream: a SUB socket on its own thread, decoding each two-frame alert
/// message and handing it to a closure. Used by `citybrain tail` and the demo.
public final class AlertSubscriber: Sendable {
    private let context: Context
    private let endpoints: [String]
    private let topics: [String]
    private let logger: Logger
    private let handler: @Sendable (Alert, String) -> Void
    private let thread = SocketThread(name: "citybrain-alert-subscriber")
    private let security: SocketSecurity

    /// - Parameters:
    ///   - topics: topic prefixes, e.g. `alert.traffic-police.` (default: every alert).
    ///   - handler: called on the subscriber thread with the alert and its raw JSON.
    public init(
        context: Context, endpoints: [String], topics: [String] = ["alert."], security: SocketSecurity = .none, logger: Logger,
        handler: @escaping @Sendable (Alert, String) -> Void
    ) {
        self.security = security
        self.context = context
        self.endpoints = endpoints
        self.topics = topics
        self.logger = logger
        self.handler = handler
    }

    /// Connects and starts receiving; throws if a socket cannot be set up.
    public func start() throws {
        try thread.start(setup: { [self] in
            let socket = try Socket(context, .sub)
            try socket.setLinger(milliseconds: 0)
            try security.apply(to: socket)
            for topic in topics { try socket.subscribe(topic) }
            for endpoint in endpoints { try socket.connect(endpoint) }
            return socket
        }) { [self] socket, isStopping in
            receiveLoop(socket, isStopping: isStopping)
        }
    }

    /// Stops receiving and waits for the thread to finish.
    public func stop() {
        thread.stop()
    }

    private func receiveLoop(_ socket: Socket, isStopping: () -> Bool) {
        serveMessages(on: socket, isStopping: isStopping) { message in
            guard message.frames.count == 2, let json = message.string(at: 1) else {
                logger.warning("ignored an alert message with \(message.frames.count) frames")
                return true
            }
            do {
                handler(try Alert(json: Array(json.utf8)), json)
            } catch {
                logger.warning("ignored an alert that does not parse: \(error)")
            }
            return true
        }
        socket.close()
    }
}
