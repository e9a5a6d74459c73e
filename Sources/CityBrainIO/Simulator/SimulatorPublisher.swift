import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Publishes a ``CitySimulator``'s events over ZeroMQ in real time (scaled by a speed factor),
/// as two-frame feed messages: topic `<kind>.<district>.<sensor>` and the JSON event.
public final class SimulatorPublisher: Sendable {
    /// How the feed socket is set up.
    public enum Transport: Sendable {
        /// Bind an XPUB socket (PUB semantics; it can wait for subscribers before sending).
        case publish([String])
        /// Connect a PUSH socket to a pipeline's PULL endpoint (backpressure instead of loss).
        case push([String])
    }

    private let context: Context
    private let transport: Transport
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    /// Events sent so far.
    public let sent = Atomic<Int>(0)

    public init(context: Context, transport: Transport, logger: Logger) {
        self.context = context
        self.transport = transport
        self.logger = logger
    }

    /// Asks ``run(_:speed:duration:waitForSubscribers:)`` to return soon.
    public func stop() { stopping.store(true, ordering: .releasing) }

    /// Publishes until `duration` wall-clock seconds have passed (forever if `nil`) or
    /// ``stop()`` is called. Event time advances `speed` times faster than the wall clock.
    /// - Parameter waitForSubscribers: with `.publish`, wait for this many subscriptions first.
    /// - Returns: the number of events sent.
    @discardableResult
    public func run(_ simulator: CitySimulator, speed: Double, duration: Double?, waitForSubscribers: Int = 0) throws -> Int {
        var simulator = simulator
        let socket: Socket
        switch transport {
        case .publish(let endpoints):
            socket = try Socket(context, .xpub)
            try socket.setXPubVerbose(true)
            try socket.setSendHighWaterMark(1_000_000)
            for endpoint in endpoints { try socket.bind(endpoint) }
            if waitForSubscribers > 0 { try awaitSubscribers(socket, count: waitForSubscribers) }
        case .push(let endpoints):
            socket = try Socket(context, .push)
            try socket.setSendHighWaterMark(100_000)
            for endpoint in endpoints { try socket.connect(endpoint) }
        }
        try socket.setLinger(milliseconds: 5_000)
        defer { socket.close() }
        let began = DispatchTime.now().uptimeNanoseconds
        while !stopping.load(ordering: .acquiring) {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
            if let duration, elapsed >= duration { break }
            let horizon = simulator.start + Int64(elapsed * speed * 1000)
            for event in simulator.events(until: horizon) {
                try socket.send(Message(FeedTopic.topic(for: event), EventEncoder.json(event)))
                sent.add(1, ordering: .relaxed)
            }
            if case .publish = transport { while (try? socket.receive(dontWait: true)) != nil {} }
            usleep(2_000)
        }
        return sent.load(ordering: .relaxed)
    }

    private func awaitSubscribers(_ socket: Socket, count: Int) throws {
        logger.info("simulator: waiting for \(count) subscriber(s)")
        var seen = 0
        while seen < count, !stopping.load(ordering: .acquiring) {
            try socket.setReceiveTimeout(milliseconds: 100)
            if let frame = try socket.receive(), frame.bytes.first == 1 { seen += 1 }
        }
    }
}
