/// One alert event on the dispatch stream.
///
/// Everything but ``seq`` and ``emittedAt`` is a function of event time and the input, so the
/// same feed gives the same alerts on every replay. `seq` is assigned by the alert sink in
/// emission order (gap-free per run); `emittedAt` is wall-clock time, excluded from
/// deterministic output.
public struct Alert: Sendable, Hashable {
    /// Gap-free sequence number on the stream, from 1; 0 until the sink stamps it.
    public var seq: UInt64
    /// The publishing process's epoch (its start, Unix ms) when an alert journal is kept: a new
    /// epoch means the processor restarted; sequence numbers continue across it.
    public var epoch: Int64?
    /// Identifies one lifecycle: `<rule>:<key>:<ts of the raise>`. Raise and resolve share it.
    public var id: String
    public var rule: String
    public var state: AlertState
    public var severity: Severity
    public var department: String
    /// The key the rule aggregates by (the sensor id).
    public var key: String
    public var sensor: String?
    public var district: String?
    public var kind: EventKind
    /// The window whose close changed the state: `[windowStart, windowEnd)` in Unix ms.
    public var windowStart: Int64
    public var windowEnd: Int64
    /// The observed value: the left side of the rule's first comparison.
    public var value: Double?
    /// What it was compared with: the right side of that comparison.
    public var threshold: Double?
    /// Every aggregate the rule computed for the window, by canonical name, in rule order.
    public var values: [NamedValue]
    public var message: String
    /// For statistical rules (anomaly, outlier): how unusual the triggering reading is, from 0
    /// (ordinary) to 1; 0.5 is the rule's threshold. `nil` for other rules.
    public var score: Double?
    /// For statistical rules: what the baseline expected instead of ``value``.
    public var expected: Double?
    /// For per-reading rules: event time of the reading that changed the state, Unix ms.
    public var observedAt: Int64?
    /// For grouped and correlation alerts: the sensors involved, sorted. `nil` otherwise.
    public var sensors: [String]?
    /// Event time at which the state changed (the window end), Unix ms.
    public var ts: Int64
    /// Wall-clock publish time, Unix ms; `nil` in deterministic output.
    public var emittedAt: Int64?
    /// On the stream of `citybrain fanin`: the shard that raised the alert, and its sequence
    /// number on that shard's own stream. `nil` on a shard's or a single process's stream.
    public var shard: String?
    public var shardSeq: UInt64?
    /// For operators' actions (acknowledged, assigned, escalated, resolved by hand): who did
    /// what and when. `nil` for the rules' own raise, update and resolve.
    public var handling: Handling?

    /// Who handled an alert, and when (wall clock).
    public struct Handling: Sendable, Hashable {
        /// The operator, or `escalation` for the escalation timer.
        public var by: String
        /// Whom the alert was assigned to, for `assigned`.
        public var assignee: String?
        /// A free-text note from the operator.
        public var note: String?
        /// Wall-clock time of the action, Unix ms.
        public var at: Int64

        public init(by: String, assignee: String? = nil, note: String? = nil, at: Int64) {
            self.by = by
            self.assignee = assignee
            self.note = note
            self.at = at
        }
    }

    /// One named aggregate value of an alert.
    public struct NamedValue: Sendable, Hashable {
        public var name: String
        public var value: Double?

        public init(name: String, value: Double?) {
            self.name = name
            self.value = value
        }
    }

    public init(
        seq: UInt64 = 0, id: String, rule: String, state: AlertState, severity: Severity, department: String,
        key: String, sensor: String?, district: String?, kind: EventKind, windowStart: Int64, windowEnd: Int64,
        value: Double?, threshold: Double?, values: [NamedValue], message: String, sensors: [String]? = nil, ts: Int64,
        emittedAt: Int64? = nil
    ) {
        self.seq = seq
        self.epoch = nil
        self.id = id
        self.rule = rule
        self.state = state
        self.severity = severity
        self.department = department
        self.key = key
        self.sensor = sensor
        self.district = district
        self.kind = kind
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.value = value
        self.threshold = threshold
        self.values = values
        self.message = message
        self.sensors = sensors
        self.ts = ts
        self.emittedAt = emittedAt
    }

    /// The routing topic: `alert.<department>.<severity>`.
    public var topic: String { "alert.\(department).\(severity.rawValue)" }
}
