import CityBrainCore
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Merges the alert streams of a sharded city into one: each shard's alerts, in its own order,
/// are journaled and published under the fan-in's own gap-free sequence numbers, each record
/// keeping its shard and its number there (`shard`, `shard_seq`).
///
/// **Exactly once across restarts of either side.** The fan-in's journal is its only state: at
/// start the newest `shard_seq` of each shard is read back from it, and each shard is consumed
/// strictly in order from there (``DurableAlertConsumer`` with `inOrder`: live alerts, and the
/// shard's catch-up endpoint for what was missed). An alert is journaled before it is published,
/// and the cursor of its shard cannot advance without it being journaled, so a `kill -9` at any
/// point loses nothing and repeats nothing; a shard that was down is caught up from its journal
/// when it answers again.
///
/// The order across shards is the order alerts reached the fan-in: global, but not a function of
/// event time (the shards' clocks are not compared).
public final class AlertFanIn: Sendable {
    private let consumers: [DurableAlertConsumer]
    private let dispatcher: AlertDispatcher
    private let intakes: [ShardIntake]

    /// - Parameters:
    ///   - journal: the fan-in's journal: its state (the shard cursors) and its catch-up source.
    ///   - sinks: where the merged stream goes (the alert publisher, a file, the terminal).
    ///   - security: how the fan-in connects to the shards (a CURVE client, or none).
    ///   - onJournalFailure: a write to the journal failed; the fan-in must not go on (the
    ///     default exits, so a supervisor restarts it from its journal).
    public init(context: Context, shards streams: [ShardStream], journal: AlertJournal, sinks: [any OutputSink],
                security: SocketSecurity = .none, logger: Logger,
                onJournalFailure: @escaping @Sendable (any Error) -> Void = { error in
                    FileHandle.standardError.write(Data("critical: the fan-in journal cannot be written (\(error)); stopping\n".utf8))
                    exit(1)
                }) throws {
        let cursors = try Self.cursors(in: journal)
        let dispatcher = AlertDispatcher(sinks: sinks, deterministic: false, journal: journal, onJournalFailure: onJournalFailure)
        self.dispatcher = dispatcher
        intakes = streams.map { ShardIntake(shard: $0.shard, after: cursors[$0.shard] ?? 0, output: dispatcher) }
        consumers = zip(streams, intakes).map { stream, intake in
            if intake.last > 0 { logger.info("shard \(stream.shard): going on after its alert \(intake.last)") }
            return DurableAlertConsumer(
                context: context, alerts: stream.alerts, catchup: stream.catchup, stateFile: nil, startingAfter: intake.last, inOrder: true,
                endOfBatch: { intake.flush() }, security: security, logger: logger.withShard(stream.shard)
            ) { alert, _ in intake.take(alert) }
        }
    }

    public func start() throws {
        for consumer in consumers { try consumer.start() }
    }

    /// Stops reading the shards; what was taken is journaled and published first.
    public func stop() {
        for consumer in consumers { consumer.stop() }
        for intake in intakes { intake.flush() }
    }

    /// Closes the sinks and the journal (after ``stop()``).
    public func close() { dispatcher.close() }

    /// The last sequence number of the merged stream.
    public var lastSequence: UInt64 { dispatcher.lastSequence }
    public var epoch: Int64? { dispatcher.epoch }
    /// The dispatcher of the merged stream (operators' actions on the fan-in go through it).
    public var output: AlertDispatcher { dispatcher }

    /// Each shard's last `shard_seq` taken, and how many alerts it gave since start.
    public var shardProgress: [(shard: String, last: UInt64, taken: Int)] { intakes.map { ($0.shard, $0.last, $0.taken) } }

    /// The newest `shard_seq` of each shard in a fan-in journal.
    static func cursors(in journal: AlertJournal) throws -> [String: UInt64] {
        var cursors: [String: UInt64] = [:]
        for segment in try AlertJournal.segments(in: journal.directory) {
            for alert in try AlertJournal.read(segment).entries {
                guard let shard = alert.shard, let shardSeq = alert.shardSeq else { continue }
                cursors[shard] = max(cursors[shard] ?? 0, shardSeq)
            }
        }
        return cursors
    }
}

/// One shard's side of the fan-in: the last `shard_seq` taken, and the alerts taken but not yet
/// journaled (handed on together at the end of each batch the consumer reads: one fsync).
private final class ShardIntake: Sendable {
    let shard: String
    private let output: AlertDispatcher
    private let state: Mutex<State>

    private struct State {
        var last: UInt64
        var pending: [Alert] = []
        var taken = 0
    }

    init(shard: String, after last: UInt64, output: AlertDispatcher) {
        self.shard = shard
        self.output = output
        state = Mutex(State(last: last))
    }

    var last: UInt64 { state.withLock { $0.last } }
    var taken: Int { state.withLock { $0.taken } }

    func take(_ alert: Alert) {
        state.withLock { state in
            guard alert.seq > state.last else { return }  // merged before a restart
            var merged = alert
            merged.shard = alert.shard ?? shard
            merged.shardSeq = alert.seq
            merged.seq = 0
            state.pending.append(merged)
            state.last = alert.seq
            state.taken += 1
        }
    }

    /// Journals and publishes what was taken; under the lock, so a later batch cannot overtake it.
    func flush() {
        state.withLock { state in
            guard !state.pending.isEmpty else { return }
            output.publish(state.pending)
            state.pending.removeAll(keepingCapacity: true)
        }
    }
}

extension Logger {
    fileprivate func withShard(_ shard: String) -> Logger {
        var logger = self
        logger[metadataKey: "shard"] = "\(shard)"
        return logger
    }
}
