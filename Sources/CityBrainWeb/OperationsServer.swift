import CityBrainIO
import Dispatch
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Runs the operations centre's HTTP server beside the pipeline: started from synchronous code,
/// returns once listening, stopped with ``stop()``.
public final class OperationsServer: Sendable {
    private let api: OperationsAPI
    private let host: String
    private let port: Int
    private let logger: Logger
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let group = Mutex<ServiceGroup?>(nil)
    private let boundPort = Mutex<Int?>(nil)

    /// - Parameter address: `host:port`; port 0 picks a free one (see ``port``).
    public init(api: OperationsAPI, host: String, port: Int, logger: Logger) {
        self.api = api
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Whether `host` (as ``parse(address:)`` gives it) is reachable only from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1"].contains(host)
    }

    /// Parses `127.0.0.1:8080` (or `[::1]:8080`) into host and port.
    public static func parse(address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    /// The port listened on, once started.
    public var listeningPort: Int? { boundPort.withLock { $0 } }

    /// Starts listening; throws if the address cannot be bound (within 10 s).
    public func start() throws {
        let ready = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "CityBrain"),
            onServerRunning: { [self] channel in
                self.boundPort.withLock { $0 = channel.localAddress?.port }
                ready.signal()
            },
            logger: logger
        )
        // A service group without signal handling (the command handles SIGTERM), so stop() can
        // shut the server down gracefully: open requests finish, live feeds end.
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        group.withLock { $0 = serviceGroup }
        let running = Task {
            do { try await serviceGroup.run() } catch {
                failure.withLock { $0 = error }
                ready.signal()
                throw error
            }
        }
        task.withLock { $0 = running }
        guard ready.wait(timeout: .now() + 10) == .success else { throw OperationsServerError("the HTTP server did not start within 10 s") }
        if let error = failure.withLock({ $0 }) { throw OperationsServerError("cannot serve HTTP on \(host):\(port): \(error)") }
        logger.info("operations page on http://\(host):\(listeningPort ?? port)/")
    }

    /// Stops serving; open live feeds end.
    public func stop() {
        guard let running = task.withLock({ task in defer { task = nil }; return task }) else { return }
        let serviceGroup = group.withLock { $0 }
        api.sources.desk.endUpdates()
        let done = DispatchSemaphore(value: 0)
        Task {
            await serviceGroup?.triggerGracefulShutdown()
            _ = await running.result
            done.signal()
        }
        if done.wait(timeout: .now() + 5) == .timedOut { running.cancel() }
    }
}

public struct OperationsServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
