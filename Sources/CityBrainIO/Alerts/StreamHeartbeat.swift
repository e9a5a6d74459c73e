import Dispatch

/// Sends a heartbeat on an alert stream every second (``AlertPublisher/heartbeat(epoch:lastSequence:)``)
/// with the stream's newest sequence number, so a consumer can tell a quiet stream from a dead
/// publisher and notices an alert it missed at the end of the stream. One for a live run, a
/// `--keep-serving` run and the fan-in alike.
///
/// `@unchecked Sendable`: the timer is only resumed and cancelled, which Dispatch allows from any thread.
final class StreamHeartbeat: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private var running = false

    /// - Parameter position: the stream's epoch (if journaled) and its last sequence number, read at each beat.
    init(publisher: AlertPublisher, every seconds: Double = 1,
         position: @escaping @Sendable () -> (epoch: Int64?, lastSequence: UInt64)) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "citybrain.heartbeat"))
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler {
            let (epoch, last) = position()
            publisher.heartbeat(epoch: epoch, lastSequence: last)
        }
    }

    /// Starts beating; call once.
    func start() {
        guard !running else { return }
        running = true
        timer.resume()
    }

    /// Stops for good.
    func stop() {
        timer.cancel()
        if !running { timer.resume() }  // a suspended source must be resumed to be released
        running = true
    }
}
