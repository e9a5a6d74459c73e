import CityBrainCore
/// The operations centre's board: every alert case, open and recently closed, with its handling.
///
/// Pure and clock-free: the caller passes the wall-clock time with each change, so escalation
/// and the on-time rate can be tested on crafted timelines.
///
/// ```swift
/// var board = AlertBoard(policy: HandlingPolicy())
/// board.apply(raisedAlert, at: now)
/// let record = try board.perform(.acknowledge, on: raisedAlert.id, by: "ana", at: now + 60_000)
/// // `record` is the alert as published on the stream: state acknowledged, handling by ana.
/// ```
public struct AlertBoard: Sendable {
    /// An operator's action on a case.
    public enum Action: Sendable, Hashable {
        case acknowledge
        case assign(to: String)
        case resolve
    }

    public let policy: HandlingPolicy
    private(set) var cases: [String: AlertCase] = [:]
    /// Case ids in the order they were opened.
    private var order: [String] = []

    public init(policy: HandlingPolicy) {
        self.policy = policy
    }

    /// The case with this alert id.
    public subscript(id: String) -> AlertCase? { cases[id] }

    /// Takes in an alert from the stream: rules' raise, update and resolve change the case;
    /// operators' records (acknowledged, assigned, escalated, resolved by hand) are applied too,
    /// so a board rebuilt from the journal ends where the original was. Returns the changed case.
    @discardableResult
    public mutating func apply(_ alert: Alert, at now: Int64) -> AlertCase? {
        if let handling = alert.handling, var entry = cases[alert.id] {
            switch alert.state {
            case .acknowledged:
                entry.acknowledged = handling
                if entry.status == .open { entry.status = .acknowledged }
            case .assigned:
                entry.assigned = handling
                if entry.acknowledged == nil { entry.acknowledged = handling }
                if entry.status == .open { entry.status = .acknowledged }
            case .escalated:
                entry.escalatedAt = handling.at
            case .resolved:
                entry.resolved = handling
                entry.status = .resolved
            case .raised, .updated:
                return nil
            }
            cases[alert.id] = entry
            return entry
        }
        switch alert.state {
        case .raised:
            guard cases[alert.id] == nil else { return nil }
            let entry = AlertCase(alert: alert, status: .open, openedAt: now, deadline: now + policy.limit(for: alert.severity))
            cases[alert.id] = entry
            order.append(alert.id)
            return entry
        case .updated:
            guard var entry = cases[alert.id], entry.status != .resolved else { return nil }
            entry.alert = alert
            // A severity raised to critical shortens the time to act, never lengthens it.
            entry.deadline = min(entry.deadline, entry.openedAt + policy.limit(for: alert.severity))
            cases[alert.id] = entry
            return entry
        case .resolved:
            guard var entry = cases[alert.id], entry.status != .resolved else { return nil }
            entry.alert = alert
            entry.status = .resolved
            entry.resolved = Alert.Handling(by: "rule", at: now)
            cases[alert.id] = entry
            return entry
        case .acknowledged, .assigned, .escalated:
            return nil
        }
    }

    /// The record of an operator's action on a case, if the action is allowed now: the case's
    /// alert with the action's state and `handling`. The board does not change; it does when the
    /// record comes back numbered from the stream (``apply(_:at:)``).
    public func record(for action: Action, on id: String, by actor: String, note: String? = nil, at now: Int64) throws(BoardError) -> Alert {
        guard let entry = cases[id] else { throw .unknownAlert(id) }
        guard entry.status != .resolved else { throw .alreadyResolved(id) }
        var record = entry.alert
        switch action {
        case .acknowledge:
            guard entry.acknowledged == nil else { throw .alreadyAcknowledged(id, by: entry.acknowledged!.by) }
            record.state = .acknowledged
            record.handling = Alert.Handling(by: actor, note: note, at: now)
        case .assign(let assignee):
            record.state = .assigned
            record.handling = Alert.Handling(by: actor, assignee: assignee, note: note, at: now)
        case .resolve:
            record.state = .resolved
            record.handling = Alert.Handling(by: actor, note: note, at: now)
        }
        return record
    }

    /// ``record(for:on:by:note:at:)`` applied at once: for a board with no stream behind it.
    public mutating func perform(_ action: Action, on id: String, by actor: String, note: String? = nil, at now: Int64) throws(BoardError) -> Alert {
        let record = try record(for: action, on: id, by: actor, note: note, at: now)
        apply(record, at: now)
        return record
    }

    /// The escalation records of open cases past their deadline and not yet escalated (state
    /// `escalated`, handling by `escalation`). The board does not change until they come back.
    public func overdue(at now: Int64) -> [Alert] {
        order.compactMap { id in
            guard let entry = cases[id], entry.status == .open, entry.escalatedAt == nil, now > entry.deadline else { return nil }
            var record = entry.alert
            record.state = .escalated
            record.handling = Alert.Handling(by: "escalation", note: "not acknowledged within \(DurationText.format(entry.deadline - entry.openedAt))", at: now)
            return record
        }
    }

    /// ``overdue(at:)`` applied at once: for a board with no stream behind it.
    public mutating func escalations(at now: Int64) -> [Alert] {
        let records = overdue(at: now)
        for record in records { apply(record, at: now) }
        return records
    }

    /// Share of cases handled on time per department, over cases opened in the policy's window
    /// whose outcome is known (acknowledged or resolved, or past their deadline).
    public func onTimeRates(at now: Int64) -> [String: OnTimeRate] {
        var rates: [String: OnTimeRate] = [:]
        for entry in cases.values where entry.openedAt > now - policy.onTimeWindow {
            guard let onTime = entry.handledOnTime(at: now) else { continue }
            rates[entry.alert.department, default: OnTimeRate()].count(onTime: onTime)
        }
        return rates
    }

    /// Cases matching the filters, newest first, from `offset`, at most `limit`; and how many match.
    public func query(_ filter: Filter, offset: Int = 0, limit: Int = 100) -> (cases: [AlertCase], total: Int) {
        let matching = order.reversed().compactMap { cases[$0] }.filter(filter.matches)
        let page = matching.dropFirst(offset).prefix(limit)
        return (Array(page), matching.count)
    }

    /// Drops cases closed longer ago than the policy keeps them.
    public mutating func prune(at now: Int64) {
        let horizon = now - policy.retainClosed
        let expired = cases.values.filter { $0.status == .resolved && ($0.resolved?.at ?? $0.openedAt) < horizon }.map(\.id)
        guard !expired.isEmpty else { return }
        for id in expired { cases[id] = nil }
        let gone = Set(expired)
        order.removeAll { gone.contains($0) }
    }

    /// Open and acknowledged cases.
    public var activeCount: Int { cases.values.count { $0.status != .resolved } }

    /// Which cases ``query(_:offset:limit:)`` returns.
    public struct Filter: Sendable, Hashable {
        public var status: AlertCase.Status?
        public var department: String?
        public var district: String?
        /// Only cases opened at or after this wall-clock time.
        public var since: Int64?

        public init(status: AlertCase.Status? = nil, department: String? = nil, district: String? = nil, since: Int64? = nil) {
            self.status = status
            self.department = department
            self.district = district
            self.since = since
        }

        func matches(_ entry: AlertCase) -> Bool {
            if let status, entry.status != status { return false }
            if let department, entry.alert.department != department { return false }
            if let district, entry.alert.district != district { return false }
            if let since, entry.openedAt < since { return false }
            return true
        }
    }
}

/// Cases handled on time out of those decided.
public struct OnTimeRate: Sendable, Hashable {
    public var onTime = 0
    public var total = 0
    /// `nil` when no case has been decided.
    public var rate: Double? { total == 0 ? nil : Double(onTime) / Double(total) }

    public init(onTime: Int = 0, total: Int = 0) {
        self.onTime = onTime
        self.total = total
    }

    mutating func count(onTime handled: Bool) {
        total += 1
        if handled { onTime += 1 }
    }
}

/// Why an operator's action was refused.
public enum BoardError: Error, Equatable, CustomStringConvertible {
    case unknownAlert(String)
    case alreadyResolved(String)
    case alreadyAcknowledged(String, by: String)

    public var description: String {
        switch self {
        case .unknownAlert(let id): "no alert '\(id)' on the board"
        case .alreadyResolved(let id): "alert '\(id)' is already resolved"
        case .alreadyAcknowledged(let id, let by): "alert '\(id)' was already acknowledged by \(by)"
        }
    }
}
