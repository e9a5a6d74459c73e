import Dispatch
import Foundation
import Logging

/// Shows a live status line every second on a terminal, or logs it every `logInterval`
/// seconds otherwise.
public final class StatusReporter: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private let queue = DispatchQueue(label: "citybrain.status")
    /// Touched only on `queue`.
    private var line = StatusLine()
    private var ticks = 0

    public init(console: Console, logger: Logger, logInterval: Int = 10, sample: @escaping @Sendable () -> PipelineStatus) {
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [unowned self] in
            ticks += 1
            let text = line.render(
                sample(),
                seconds: Double(DispatchTime.now().uptimeNanoseconds) / 1e9,
                nowMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)
            )
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
