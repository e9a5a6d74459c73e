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

    public init(context: Context, allowedClients: [String], logger: Logger) {
        self.context = context
        self.allowed = Set(allowedClients)
        self.logger = logger
    }

    /// Connections accepted and refused so far.
    public var counts: (accepted: Int, refused: Int) { decisions.withLock { $0 } }

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
        while !isStopping() {
            guard let ready = try? poller.poll(timeoutMilliseconds: 100), !ready.isEmpty,
                  let request = try? socket.receiveMessage(dontWait: true) else { continue }
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
        socket.close()
    }
}
