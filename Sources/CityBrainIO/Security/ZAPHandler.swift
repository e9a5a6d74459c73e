import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The ZAP handler (ZeroMQ RFC 27) of a context: decides, for every connection to a CityBrain
/// server socket, whether the peer's CURVE public key is on the allow-list.
public final class ZAPHandler: Sendable {
    private let context: Context
    private let allowed: Set<String>
    private let logger: Logger
    private let thread = SocketThread(name: "citybrain-zap")
    private let decisions = Mutex((accepted: 0, refused: 0))
    /// Secured sockets whose handshakes are watched: their monitor endpoints, not yet read.
    private let watched = Mutex<[(endpoint: String, name: String)]>([])

    public init(context: Context, allowedClients: [String], logger: Logger) {
        self.context = context
        self.allowed = Set(allowedClients)
        self.logger = logger
    }

    /// Connections accepted and refused so far: refused by the allow-list, or in the handshake
    /// of a watched socket (no CURVE, a wrong server key; see ``watch(_:name:)``).
    public var counts: (accepted: Int, refused: Int) { decisions.withLock { $0 } }

    /// Watches a secured server socket's handshakes, so clients that fail them before reaching
    /// the allow-list (another mechanism, a wrong server key) are logged and counted too. Call on
    /// the socket's thread, before it binds.
    public func watch(_ socket: Socket, name: String) throws {
        let endpoint = "inproc://citybrain-handshake-\(UUID().uuidString)"
        try socket.monitor(endpoint, events: [.handshakeFailedProtocol, .handshakeFailedNoDetail])
        watched.withLock { $0.append((endpoint, name)) }
    }

    /// Binds `inproc://zeromq.zap.01`; must run before any secured socket accepts connections.
    public func start() throws {
        try thread.start(setup: { [context] in
            let socket = try Socket(context, .rep)
            try socket.setLinger(milliseconds: 0)
            try socket.bind("inproc://zeromq.zap.01")
            return socket
        }) { [self] socket, isStopping in
            serve(socket, isStopping: isStopping)
        }
    }

    public func stop() { thread.stop() }

    private func serve(_ socket: Socket, isStopping: () -> Bool) {
        var poller = Poller()
        poller.add(socket)
        var monitors: [(socket: Socket, name: String)] = []
        while !isStopping() {
            let pending = watched.withLock { list -> [(endpoint: String, name: String)] in
                let taken = list
                list.removeAll()
                return taken
            }
            for entry in pending {
                guard let pair = try? Socket(context, .pair) else { continue }
                try? pair.setLinger(milliseconds: 0)
                guard (try? pair.connect(entry.endpoint)) != nil else { continue }
                monitors.append((pair, entry.name))
                poller.add(pair)
            }
            guard let ready = try? poller.poll(timeoutMilliseconds: 100), !ready.isEmpty else { continue }
            for index in ready where index > 0 { readHandshakeFailures(monitors[index - 1]) }
            guard ready.contains(0), let request = try? socket.receiveMessage(dontWait: true) else { continue }
            // version, request id, domain, address, routing id, mechanism, credentials…
            let frames = request.frames
            guard frames.count >= 6 else { continue }
            let mechanism = request.string(at: 5) ?? ""
            let address = request.string(at: 3) ?? "?"
            var key: String?
            if mechanism == "CURVE", frames.count >= 7 { key = CurveKeyPair.z85(frames[6]) }
            let ok = key.map(allowed.contains) ?? false
            let refusedSoFar = decisions.withLock { counts -> Int in
                if ok { counts.accepted += 1 } else { counts.refused += 1 }
                return counts.refused
            }
            if !ok, refusedSoFar <= 5 || refusedSoFar % 1_000 == 0 {
                logger.warning("refused a \(mechanism) connection from \(address)\(key.map { " with unknown key \($0)" } ?? "") (\(refusedSoFar) refused so far)")
            }
            let reply = Message(frames: [Array("1.0".utf8), frames[1], Array((ok ? "200" : "400").utf8),
                                         Array((ok ? "OK" : "key not allowed").utf8), Array((key ?? "").utf8), []])
            _ = try? socket.send(reply)
        }
        for monitor in monitors { monitor.socket.close() }
        socket.close()
    }

    private func readHandshakeFailures(_ monitor: (socket: Socket, name: String)) {
        while let message = try? monitor.socket.receiveMessage(dontWait: true) {
            guard let event = SocketEvent(message) else { continue }
            let refusedSoFar = decisions.withLock { counts -> Int in
                counts.refused += 1
                return counts.refused
            }
            guard refusedSoFar <= 5 || refusedSoFar % 1_000 == 0 else { continue }
            let reason = switch event.value {
            case 0x1100_0002: "it does not use CURVE"
            case 0x1100_0001: "it does not have this server's public key (its messages do not decrypt)"
            default: event.event == .handshakeFailedProtocol ? "protocol error 0x\(String(event.value, radix: 16))" : "handshake failed (\(event.value))"
            }
            logger.warning("refused a connection to \(monitor.name) (\(event.endpoint)) in the handshake: \(reason) (\(refusedSoFar) refused so far)")
        }
    }
}
