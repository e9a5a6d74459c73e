import CityBrainCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Consumes an alert stream: a SUB socket on its own thread, decoding each two-frame alert
/// message and handing it to a closure. Used by `citybrain tail` and the demo.
public final class AlertSubscriber: Sendable {
    private let context: Context
    private let endpoints: [String]
    private let topics: [String]
    private let logger: Logger
    private let handler: @Sendable (Alert, String) -> Void
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private let startError = Mutex<(any Error)?>(nil)

    /// - Parameters:
    ///   - topics: topic prefixes, e.g. `alert.traffic-police.` (default: every alert).
    ///   - handler: called on the subscriber thread with the alert and its raw JSON.
    public init(
        context: Context, endpoints: [String], topics: [String] = ["alert."], logger: Logger,
        handler: @escaping @Sendable (Alert, String) -> Void
    ) {
        self.context = context
        self.endpoints = endpoints
        self.topics = topics
        self.logger = logger
        self.handler = handler
    }

    /// Connects and starts receiving; throws if a socket cannot be set up.
    public func start() throws {
        let thread = Thread { [self] in run() }
        thread.name = "citybrain-alert-subscriber"
        thread.start()
        started.wait()
        if let error = startError.withLock({ $0 }) { throw error }
    }

    /// Stops receiving and waits for the thread to finish.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopped.wait()
    }

    private func run() {
        let socket: Socket
        do {
            socket = try Socket(context, .sub)
            try socket.setLinger(milliseconds: 0)
            for topic in topics { try socket.subscribe(topic) }
            for endpoint in endpoints { try socket.connect(endpoint) }
        } catch {
            startError.withLock { $0 = error }
            started.signal()
            stopped.signal()
            return
        }
        started.signal()
        var poller = Poller()
        poller.add(socket)
        while !stopping.load(ordering: .acquiring) {
            guard let ready = try? poller.poll(timeoutMilliseconds: 100), !ready.isEmpty else { continue }
            while let message = try? socket.receiveMessage(dontWait: true) {
                guard message.frames.count == 2, let json = message.string(at: 1) else {
                    logger.warning("ignored an alert message with \(message.frames.count) frames")
                    continue
                }
                do {
                    handler(try Alert(json: Array(json.utf8)), json)
                } catch {
                    logger.warning("ignored an alert that does not parse: \(error)")
                }
            }
        }
        socket.close()
        stopped.signal()
    }
}
