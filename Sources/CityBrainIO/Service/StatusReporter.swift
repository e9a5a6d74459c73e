import CityBrainCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Shows a live status line every second on a terminal, or logs it every `logInterval`
/// seconds otherwise.
public final class StatusReporter: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private let queue = DispatchQueue(label: "citybrain.status")
    /// Touched only on `queue`.
    private var ticks = 0

    /// The status line of a pipeline (``StatusLine``).
    public convenience init(console: Console, logger: Logger, logInterval: Int = 10, sample: @escaping @Sendable () -> PipelineStatus) {
        let line = Mutex(StatusLine())
        self.init(console: console, logger: logger, logInterval: logInterval) {
            line.withLock {
                $0.render(sample(), seconds: Double(SystemClock().uptimeNanoseconds) / 1e9,
                          nowMilliseconds: SystemClock().epochMilliseconds)
            }
        }
    }

    /// A status line of any shape: `text` is asked for it once a second.
    public init(console: Console, logger: Logger, logInterval: Int = 10, text: @escaping @Sendable () -> String) {
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [unowned self] in
            ticks += 1
            let text = text()
            if console.stderrIsTerminal {
                console.showStatus(text)
            } else if ticks % logInterval == 0 {
                logger.info("status: \(text)")
            }
        }
    }

    public func start() { timer.resume() }

    public func stop() {
        timer.cancel()
        queue.sync {}
    }
}
