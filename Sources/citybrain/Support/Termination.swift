import Dispatch
import Foundation

/// Waits for SIGINT or SIGTERM (or another wake-up), so a command can drain and exit 0.
final class Termination: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "citybrain.signals")

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [semaphore] in semaphore.signal() }
            source.resume()
            sources.append(source)
        }
    }

    /// Wakes ``wait(seconds:)`` as if a signal had arrived.
    func trigger() { semaphore.signal() }

    /// Blocks until a signal or ``trigger()``, or until `seconds` pass. Returns `true` if woken.
    @discardableResult
    func wait(seconds: Double? = nil) -> Bool {
        guard let seconds else {
            semaphore.wait()
            return true
        }
        return semaphore.wait(timeout: .now() + seconds) == .success
    }
}
