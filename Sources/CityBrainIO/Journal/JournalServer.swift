import CityBrainCore
import Dispatch
import Logging
import ZeroMQ

/// What consumers of a journaled alert stream need besides the stream itself: a heartbeat every
/// second carrying the journal's last sequence number (so a consumer that missed the end of the
/// stream notices and catches up), and the catch-up endpoint answering from the journal. Used by
/// `run --input … --keep-serving` and `citybrain fanin`; a live run has them in ``LivePipeline``.
public final class JournalServer: @unchecked Sendable {
    private let publisher: AlertPublisher?
    private let catchup: CatchupServer?
    private let journal: AlertJournal
    private let timer: any DispatchSourceTimer

    /// - Parameters:
    ///   - publisher: the stream the heartbeat goes on, if any.
    ///   - catchupEndpoints: ROUTER endpoints to bind for catch-up requests.
    public init(context: Context, publisher: AlertPublisher?, catchupEndpoints: [String], journal: AlertJournal,
                security: SocketSecurity = .none, logger: Logger) {
        self.publisher = publisher
        self.journal = journal
        self.catchup = catchupEndpoints.isEmpty ? nil
            : CatchupServer(context: context, endpoints: catchupEndpoints, journal: journal, security: security, logger: logger)
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "citybrain.journal-heartbeat"))
    }

    public func start() throws {
        try catchup?.start()
        if let publisher {
            timer.schedule(deadline: .now() + 1, repeating: 1)
            timer.setEventHandler { [journal] in publisher.heartbeat(epoch: journal.epoch, lastSequence: journal.lastSequence) }
            timer.resume()
        }
    }

    public func stop() {
        if publisher != nil { timer.cancel() }
        catchup?.stop()
    }
}
