import CityBrainCore
import Logging
import ZeroMQ

/// What consumers of a journaled alert stream need besides the stream itself: a heartbeat every
/// second carrying the journal's last sequence number (so a consumer that missed the end of the
/// stream notices and catches up), and the catch-up endpoint answering from the journal. Used by
/// `run --input … --keep-serving` and `citybrain fanin`; a live run has them in ``LivePipeline``,
/// with the same ``StreamHeartbeat``.
public final class JournalServer: @unchecked Sendable {
    private let catchup: CatchupServer?
    private let heartbeat: StreamHeartbeat?

    /// - Parameters:
    ///   - publisher: the stream the heartbeat goes on, if any.
    ///   - catchupEndpoints: ROUTER endpoints to bind for catch-up requests.
    public init(context: Context, publisher: AlertPublisher?, catchupEndpoints: [String], journal: AlertJournal,
                security: SocketSecurity = .none, logger: Logger) {
        self.heartbeat = publisher.map { publisher in
            StreamHeartbeat(publisher: publisher) { (journal.epoch, journal.lastSequence) }
        }
        self.catchup = catchupEndpoints.isEmpty ? nil
            : CatchupServer(context: context, endpoints: catchupEndpoints, journal: journal, security: security, logger: logger)
    }

    public func start() throws {
        try catchup?.start()
        heartbeat?.start()
    }

    public func stop() {
        heartbeat?.stop()
        catchup?.stop()
    }
}
