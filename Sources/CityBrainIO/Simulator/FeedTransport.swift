import Synchronization
import ZeroMQ

/// How a feed source (the simulator, a replay) sends its messages.
public enum FeedTransport: Sendable {
    /// Bind an XPUB socket (PUB semantics; it can wait for subscribers before sending).
    case publish([String])
    /// Connect a PUSH socket to a pipeline's PULL endpoint (backpressure instead of loss).
    case push([String])

    /// Opens the socket, and with `.publish` waits for `subscribers` subscriptions (or `stopping`).
    func open(_ context: Context, subscribers: Int, stopping: borrowing Atomic<Bool>, security: SocketSecurity = .none) throws -> Socket {
        let socket: Socket
        switch self {
        case .publish(let endpoints):
            socket = try Socket(context, .xpub)
            try security.apply(to: socket)
            try socket.setXPubVerbose(true)
            try socket.setSendHighWaterMark(1_000_000)
            for endpoint in endpoints { try socket.bind(endpoint) }
            var subscriptions = XPubSubscriptions()
            _ = subscriptions.wait(for: subscribers, on: socket, within: nil) { stopping.load(ordering: .acquiring) }
        case .push(let endpoints):
            socket = try Socket(context, .push)
            try security.apply(to: socket)
            try socket.setSendHighWaterMark(100_000)
            for endpoint in endpoints { try socket.connect(endpoint) }
        }
        try socket.setLinger(milliseconds: 5_000)
        return socket
    }
}
