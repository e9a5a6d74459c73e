import Foundation
import Synchronization
import ZeroMQ

/// A dedicated thread for code that owns ZeroMQ sockets: the sockets are created, used and
/// closed on this one thread, as libzmq requires.
///
/// ```swift
/// let thread = SocketThread(name: "citybrain-ingest")
/// try thread.start(setup: { try openSockets() }) { sockets, isStopping in
///     while !isStopping() { … }
/// }
/// thread.stop()   // returns once the loop has returned
/// ```
final class SocketThread: Sendable {
    private let name: String
    private let stopping = Atomic<Bool>(false)
    private let started = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let setupError = Mutex<(any Error)?>(nil)
    private let running = Atomic<Bool>(false)

    init(name: String) {
        self.name = name
    }

    /// Runs `setup` on the new thread, then `loop` with its result until ``stop()`` is called.
    /// Returns once `setup` has finished; rethrows its error (the loop then never runs).
    func start<Resources>(
        setup: @escaping @Sendable () throws -> Resources,
        loop: @escaping @Sendable (Resources, _ isStopping: () -> Bool) -> Void
    ) throws {
        let thread = Thread { [self] in
            let resources: Resources
            do {
                resources = try setup()
            } catch {
                setupError.withLock { $0 = error }
                started.signal()
                return
            }
            running.store(true, ordering: .releasing)
            started.signal()
            loop(resources) { stopping.load(ordering: .acquiring) }
            finished.signal()
        }
        thread.name = name
        thread.start()
        started.wait()
        if let error = setupError.withLock({ $0 }) { throw error }
    }

    /// Asks the loop to return and waits until it has. Harmless if it never started.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing), running.load(ordering: .acquiring) else { return }
        finished.wait()
    }
}

/// The loop most socket threads run: wait up to `timeoutMilliseconds` for `socket` to be ready,
/// hand every message waiting on it to `handle` (without blocking), then call `afterDrain` with
/// whether any came; again until `isStopping`, or until `handle` returns `false` (a failure it
/// keeps for its caller). A thread with
/// several sockets of different roles (ingest, the ZAP handler) keeps a loop of its own.
func serveMessages(
    on socket: Socket, isStopping: () -> Bool, timeoutMilliseconds: Int = 100,
    handle: (Message) -> Bool, afterDrain: (_ received: Bool) -> Void = { _ in }
) {
    var poller = Poller()
    poller.add(socket)
    while !isStopping() {
        let ready = (try? poller.poll(timeoutMilliseconds: timeoutMilliseconds)) ?? []
        var received = false
        if !ready.isEmpty {
            while !isStopping(), let message = try? socket.receiveMessage(dontWait: true) {
                received = true
                guard handle(message) else { return }
            }
        }
        afterDrain(received)
    }
}
