import CityBrainCore
import Foundation
import Synchronization

/// The live input, logged before it enters the engine (`run --input-log DIR`), in the recording
/// format: after a crash the engine restores its checkpoint and re-reads the log from the
/// checkpoint's position, so nothing received is lost.
///
/// Each batch of accepted frames is written as received (one block, `write(2)`) before the engine
/// sees its events: a killed process loses nothing the engine saw. The log is synced to disk before each
/// checkpoint is written, so a checkpoint is never ahead of it after a power cut either.
/// Segments older than the oldest kept checkpoint are deleted (``deleteSegments(before:)``).
public final class InputLog: Sendable {
    public let directory: String
    private let writer: Mutex<RecordingWriter>
    /// Bytes written since opening.
    public var bytesWritten: Int { writer.withLock { $0.bytes } }

    /// Opens (or creates) the log, trimming a torn tail; new frames go to a new segment.
    public init(directory: String, segmentBytes: Int = 64 << 20) throws {
        self.directory = directory
        self.writer = Mutex(try RecordingWriter(directory: directory, sources: ["citybrain input log"], segmentBytes: segmentBytes,
                                                blockFrames: .max))
    }

    /// Logs frames as they arrived (records in the recording format, see ``FrameLog``) and returns
    /// the position after them: no re-encoding.
    @discardableResult
    public func append(records: [UInt8], count: Int) throws -> InputPosition {
        try writer.withLock { writer in
            try writer.appendRecords(records, count: count)
            try writer.flush()
            return InputPosition(segment: writer.segment, frame: writer.segmentFrames)
        }
    }

    /// The position after everything logged so far.
    public var position: InputPosition { writer.withLock { InputPosition(segment: $0.segment, frame: $0.segmentFrames) } }

    /// Makes everything logged so far durable.
    public func sync() throws { try writer.withLock { try $0.sync() } }

    /// Deletes whole segments numbered below `segment` (never the one being written).
    public func deleteSegments(before segment: Int) throws {
        let current = writer.withLock { $0.segment }
        for url in try RecordingReader.segments(in: URL(fileURLWithPath: directory)) {
            guard let number = RecordingReader.segmentNumber(url), number < min(segment, current) else { continue }
            try FileManager.default.removeItem(at: url)
        }
    }

    /// Reads the events logged after `position` (all, if `nil`), in batches with the position
    /// after each. The log holds native frames only (``FeedReceiver`` logs the events of other
    /// formats as native frames), so it is read without the feeds' format settings.
    @discardableResult
    public func replay(after position: InputPosition?, kinds: [EventKind] = EventKind.builtIn, statistics: IngestStatistics, reporter: RejectionReporter,
                       deliver: @escaping ([Event], InputPosition) -> Void) throws -> Int {
        let reader = try RecordingReader(path: directory)
        var count = 0
        try RecordingInput.read(reader, after: position, decoder: FeedDecoder(format: .native, catalogue: MeasurementCatalogue(kinds: kinds)), statistics: statistics, reporter: reporter) { events, at in
            count += events.count
            deliver(events, at)
        }
        return count
    }

    public func close() throws { try writer.withLock { try $0.close() } }
}
