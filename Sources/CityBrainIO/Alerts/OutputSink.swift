import CityBrainCore

/// A destination for the engine's output records (numbered alerts, window results, late events):
/// the ZeroMQ stream, a JSON-lines file, the terminal.
///
/// ``deliver(_:)`` is called from one queue at a time, in record order.
public protocol OutputSink: Sendable {
    func deliver(_ records: [OutputRecord])
    /// Like ``deliver(_:)-([OutputRecord])``, with the input position that caused each record
    /// (``OutputBatch``). The default forgets the positions.
    func deliver(_ batch: OutputBatch)
    /// Flushes and releases resources; called once, after the last delivery.
    func close()
}

extension OutputSink {
    public func deliver(_ batch: OutputBatch) { deliver(batch.records) }
}

/// A sink that writes records' wire JSON: the dispatcher hands it the JSON of each alert it has
/// already encoded for the journal (`nil` for other records), so an alert is encoded once
/// however many places it goes.
public protocol EncodedRecordSink: OutputSink {
    /// `alertJSON` is aligned with the batch's records (`nil` for other records), or empty.
    func deliver(_ batch: OutputBatch, alertJSON: [String?])
}

/// Which kinds of record a sink writes (`--emit`).
public struct RecordSelection: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let alerts = RecordSelection(rawValue: 1)
    public static let windows = RecordSelection(rawValue: 2)
    public static let late = RecordSelection(rawValue: 4)
    public static let scores = RecordSelection(rawValue: 8)
    /// Alerts, window results and late events (scores only when asked for by name: one per reading).
    public static let all: RecordSelection = [.alerts, .windows, .late]

    public func includes(_ record: OutputRecord) -> Bool {
        switch record {
        case .alert: contains(.alerts)
        case .window: contains(.windows)
        case .late: contains(.late)
        case .score: contains(.scores)
        }
    }
}
