import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Publishes a ``CitySimulator``'s events over ZeroMQ in real time (scaled by a speed factor),
/// as two-frame feed messages: topic `<kind>.<district>.<sensor>` and the event in the chosen
/// ``FrameEncoding`` (native JSON by default; SenML, SenML CBOR or NGSI-LD to exercise those
/// decoders).
public final class SimulatorPublisher: Sendable {
    private let context: Context
    private let transport: FeedTransport
    private let logger: Logger
    private let security: SocketSecurity
    private let encoding: FrameEncoding
    private let stopping = Atomic<Bool>(false)
    /// Events sent so far.
    public let sent = Atomic<Int>(0)

    public init(context: Context, transport: FeedTransport, security: SocketSecurity = .none, encoding: FrameEncoding = .native, logger: Logger) {
        self.security = security
        self.encoding = encoding
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
        if waitForSubscribers > 0 { logger.info("simulator: waiting for \(waitForSubscribers) subscriber(s)") }
        let socket = try transport.open(context, subscribers: waitForSubscribers, stopping: stopping, security: security)
        defer { socket.close() }
        let began = SystemClock().uptimeNanoseconds
        while !stopping.load(ordering: .acquiring) {
            let elapsed = Double(SystemClock().uptimeNanoseconds - began) / 1e9
            if let duration, elapsed >= duration { break }
            let horizon = simulator.start + Int64(elapsed * speed * 1000)
            for event in simulator.events(until: horizon) {
                guard let body = encoding.encode(event) else { continue }
                try socket.send(Message(frames: [Array(FeedTopic.topic(for: event).utf8), body]))
                sent.add(1, ordering: .relaxed)
            }
            if case .publish = transport { while (try? socket.receive(dontWait: true)) != nil {} }
            usleep(2_000)
        }
        return sent.load(ordering: .relaxed)
    }
}
