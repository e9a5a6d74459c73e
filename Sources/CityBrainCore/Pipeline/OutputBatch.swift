/// Records in order, each with the input position that caused it (its **trigger**): what flows
/// from the engine's ordered merge through correlation to the alert sink stage and its sinks.
///
/// A trigger is the 0-based position, in submission order over the engine's life, of the event
/// that caused the record: the event that crossed a threshold, or whose watermark closed the
/// window. Records of ``StreamEngine/finish()`` carry the position after the last event. Records
/// an operator publishes by hand (``untimed(_:)``) have none.
///
/// It keeps the records and their positions side by side (sinks that want only the records read
/// ``records`` without a copy) and guarantees they stay paired.
public struct OutputBatch: Sendable, Equatable {
    public private(set) var records: [OutputRecord]
    /// One per record, or none at all for an untimed batch.
    public private(set) var triggers: [Int64]

    /// An empty batch.
    public init() {
        records = []
        triggers = []
    }

    /// Records with their triggers, one each.
    public init(records: [OutputRecord], triggers: [Int64]) {
        precondition(records.count == triggers.count, "a trigger per record")
        self.records = records
        self.triggers = triggers
    }

    /// Records without triggers (published by an operator, not caused by an event).
    public static func untimed(_ records: [OutputRecord]) -> OutputBatch {
        var batch = OutputBatch()
        batch.records = records
        return batch
    }

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }
    /// Whether every record has its trigger (an untimed batch with records has none).
    public var isTimed: Bool { triggers.count == records.count }

    /// The trigger of record `index`; `nil` in an untimed batch.
    public func trigger(at index: Int) -> Int64? { isTimed ? triggers[index] : nil }

    /// Each record with its trigger (`nil` in an untimed batch).
    public var timedRecords: some Sequence<(record: OutputRecord, trigger: Int64?)> {
        records.indices.lazy.map { (records[$0], trigger(at: $0)) }
    }

    /// The records in `range`, with their triggers.
    public subscript(range: Range<Int>) -> OutputBatch {
        var part = OutputBatch()
        part.records = Array(records[range])
        if isTimed { part.triggers = Array(triggers[range]) }
        return part
    }

    /// The records at `indices` (ascending), with their triggers: what a filter kept.
    public func selecting(_ indices: [Int]) -> OutputBatch {
        var part = OutputBatch()
        part.records = indices.map { records[$0] }
        if isTimed { part.triggers = indices.map { triggers[$0] } }
        return part
    }

    /// Changes each record in place (numbering alerts, say); records keep their triggers.
    public mutating func updateRecords(_ body: (inout OutputRecord) throws -> Void) rethrows {
        for index in records.indices { try body(&records[index]) }
    }

    /// Adds a record caused at `trigger`. A batch holds timed records or untimed ones, not both.
    public mutating func append(_ record: consuming OutputRecord, trigger: Int64) {
        precondition(isTimed, "a timed record added to an untimed batch")
        records.append(record)
        triggers.append(trigger)
    }

    /// Adds `records`, all caused at `trigger`.
    public mutating func append(contentsOf more: some Collection<OutputRecord>, trigger: Int64) {
        precondition(isTimed, "timed records added to an untimed batch")
        records += more
        triggers += repeatElement(trigger, count: more.count)
    }

    /// Takes the records and their triggers out, leaving the batch empty (and timed), so that
    /// a caller holding the only batch can move them on instead of copying them.
    mutating func takeAll() -> (records: [OutputRecord], triggers: [Int64]) {
        defer { (records, triggers) = ([], []) }
        return (records, triggers)
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        records.reserveCapacity(capacity)
        triggers.reserveCapacity(capacity)
    }

    /// The alerts, in order.
    public var alerts: [Alert] { records.compactMap(\.alert) }
}
