import CityBrainCore
import CityBrainHandling
import Dispatch
import Foundation
import Synchronization

/// The live side of the operations centre: keeps the ``AlertBoard`` from the published alert
/// stream, applies operators' actions (journaled and published like every alert, so consumers of
/// the stream see them), escalates cases nobody acknowledged in time, and tells listeners (the web
/// page's live feed) about every change and once a second.
///
/// Install it as an ``OutputSink`` of the ``AlertDispatcher`` it publishes through; it sees every
/// record after numbering, so its board and the journal agree.
///
/// `@unchecked Sendable`: mutable state lives in mutexes; the escalation timer is only resumed
/// and cancelled, which Dispatch allows from any thread.
public final class OperationsDesk: OutputSink, @unchecked Sendable {
    /// What a listener hears.
    public enum Update: Sendable {
        /// Cases that changed, in publish order.
        case cases([AlertCase])
        /// About once a second: time to refresh counters and charts.
        case tick
    }

    private let board: Mutex<AlertBoard>
    private let listeners = Mutex<[UUID: AsyncStream<Update>.Continuation]>([:])
    private let publisher = Mutex<ClosureBox<@Sendable ([Alert]) -> Void>?>(nil)
    private let clock: any WallClock
    private let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "citybrain.escalation"))
    private let timerState = Mutex<(started: Bool, stopped: Bool)>((false, false))
    /// Held from an action's check to its record's publication: two operators acting on one case
    /// at once are taken one after the other, the second checked against the first's outcome.
    private let acting = Mutex<Void>(())

    /// - Parameter clock: when actions happen and cases fall overdue.
    public init(policy: HandlingPolicy, clock: any WallClock = SystemClock()) {
        self.board = Mutex(AlertBoard(policy: policy))
        self.clock = clock
    }

    /// Where the desk's own records (actions, escalations) go: the dispatcher's `publish`.
    public func connect(publish: @escaping @Sendable ([Alert]) -> Void) {
        publisher.withLock { $0 = ClosureBox(publish) }
    }

    /// Rebuilds the board from journaled alerts (those of the last retention period).
    public func restore(from alerts: [Alert]) {
        let now = clock.epochMilliseconds
        board.withLock { board in
            for alert in alerts where (alert.emittedAt ?? now) >= now - board.policy.retainClosed {
                board.apply(alert, at: alert.emittedAt ?? now)
            }
        }
    }

    // MARK: OutputSink

    public func deliver(_ records: [OutputRecord]) {
        let alerts = records.compactMap(\.alert)
        guard !alerts.isEmpty else { return }
        let now = clock.epochMilliseconds
        let changed = board.withLock { board in alerts.compactMap { board.apply($0, at: $0.handling?.at ?? $0.emittedAt ?? now) } }
        if !changed.isEmpty { broadcast(.cases(changed)) }
    }

    public func close() {
        stopEscalating()
        endUpdates()
    }

    /// Ends every listener's stream (the web server's live feeds, before it shuts down).
    public func endUpdates() {
        let ending = listeners.withLock { listeners in
            defer { listeners.removeAll() }
            return Array(listeners.values)
        }
        for continuation in ending { continuation.finish() }
    }

    // MARK: Operators

    /// Checks an operator's action against the case, then publishes its record through the
    /// dispatcher, which numbers and journals it and hands it to every sink, this desk among
    /// them: the board changes only then, as it does for every other record. Returns the case as
    /// it then stands.
    @discardableResult
    public func perform(_ action: AlertBoard.Action, on id: String, by actor: String, note: String? = nil) throws(BoardError) -> AlertCase {
        let now = clock.epochMilliseconds
        try acting.withLock { _ throws(BoardError) in
            let record = try board.withLock { board throws(BoardError) in try board.record(for: action, on: id, by: actor, note: note, at: now) }
            publish([record], at: now)
        }
        return board.withLock { $0[id] }!
    }

    /// Escalates what is overdue now; publishes the records. Returns how many.
    @discardableResult
    public func escalateOverdue() -> Int {
        let now = clock.epochMilliseconds
        return acting.withLock { _ in
            let records = board.withLock { board in
                board.prune(at: now)
                return board.overdue(at: now)
            }
            if !records.isEmpty { publish(records, at: now) }
            return records.count
        }
    }

    /// Hands the desk's records to the stream; a desk not connected to one applies them itself.
    private func publish(_ records: [Alert], at now: Int64) {
        if let publish = publisher.withLock({ $0 }) {
            publish.function(records)
        } else {
            deliver(records.map(OutputRecord.alert))
        }
    }

    /// Checks for overdue cases and ticks the listeners every `interval` seconds.
    public func startEscalating(every interval: Double = 1) {
        let start = timerState.withLock { state -> Bool in
            guard !state.started, !state.stopped else { return false }
            state.started = true
            return true
        }
        guard start else { return }
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in
            self?.escalateOverdue()
            self?.broadcast(.tick)
        }
        timer.resume()
    }

    private func stopEscalating() {
        let cancel = timerState.withLock { state -> Bool in
            defer { state.stopped = true }
            return state.started && !state.stopped
        }
        if cancel { timer.cancel() }
    }

    // MARK: Reading

    public subscript(id: String) -> AlertCase? { board.withLock { $0[id] } }

    public func query(_ filter: AlertBoard.Filter, offset: Int = 0, limit: Int = 100) -> (cases: [AlertCase], total: Int) {
        board.withLock { $0.query(filter, offset: offset, limit: limit) }
    }

    public var onTimeRates: [String: OnTimeRate] {
        let now = clock.epochMilliseconds
        return board.withLock { $0.onTimeRates(at: now) }
    }

    public var policy: HandlingPolicy { board.withLock { $0.policy } }

    /// The current time on the desk's clock.
    public var now: Int64 { clock.epochMilliseconds }

    // MARK: Listeners

    /// Updates buffered per listener; a listener that falls further behind loses the oldest
    /// (the page's next snapshot or stats message carries the current state).
    public static let updatesBuffered = 256

    /// A stream of updates until the desk closes or the listener stops iterating.
    public func updates() -> AsyncStream<Update> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Update>.makeStream(bufferingPolicy: .bufferingNewest(Self.updatesBuffered))
        continuation.onTermination = { [weak self] _ in self?.listeners.withLock { $0[id] = nil } }
        listeners.withLock { $0[id] = continuation }
        return stream
    }

    public var listenerCount: Int { listeners.withLock { $0.count } }

    private func broadcast(_ update: Update) {
        for continuation in listeners.withLock({ Array($0.values) }) { continuation.yield(update) }
    }
}
