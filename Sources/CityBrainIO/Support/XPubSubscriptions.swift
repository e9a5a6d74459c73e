import CityBrainCore
import ZeroMQ

/// Counts the subscriptions an XPUB socket has seen, so a publisher can wait for its consumers
/// before it sends (PUB/SUB's "slow joiner" would lose the first messages otherwise).
///
/// With `ZMQ_XPUB_VERBOSE` set, every SUB socket sends one message per topic prefix it subscribes
/// to: first byte 1 subscribes, 0 unsubscribes. Like the socket, a counter belongs to one thread.
struct XPubSubscriptions {
    /// Subscriptions minus unsubscriptions read so far.
    private(set) var count = 0

    /// Reads every pending (un)subscription message without blocking.
    mutating func drain(_ socket: Socket) {
        while let frame = try? socket.receive(dontWait: true) {
            guard let flag = frame.bytes.first else { continue }
            count += flag == 1 ? 1 : -1
        }
    }

    /// Waits until at least `wanted` subscriptions have arrived, `seconds` have passed (`nil`: no
    /// limit) or `stop` holds; returns whether they arrived.
    mutating func wait(for wanted: Int, on socket: Socket, within seconds: Double?, clock: any WallClock = SystemClock(),
                       unless stop: () -> Bool = { false }) -> Bool {
        let deadline = seconds.map { clock.uptimeNanoseconds + UInt64(max(0, $0) * 1e9) }
        var poller = Poller()
        poller.add(socket)
        drain(socket)
        while count < wanted, !stop() {
            let now = clock.uptimeNanoseconds
            if let deadline, now >= deadline { return false }
            let left = deadline.map { Int(($0 - now) / 1_000_000) + 1 } ?? 100
            _ = try? poller.poll(timeoutMilliseconds: min(left, 100))
            drain(socket)
        }
        return count >= wanted
    }
}
