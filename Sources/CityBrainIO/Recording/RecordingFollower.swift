import CityBrainCore
import Foundation
import Synchronization

/// Reads a recording while it is being written (`citybrain record` running), like `tail -f`: the
/// recording is then a durable log of the feed, and a run that follows it keeps its position in
/// its checkpoints, so a `kill -9` of the run loses no reading (what the writer wrote while the
/// run was down is read on restart).
///
/// Only whole, valid blocks are read; the writer flushes a block at least every 100 ms. An
/// incomplete block at the end of the newest segment is waited for; once a newer segment exists,
/// an incomplete end of an older one is a torn tail (the writer crashed there and, restarting,
/// went on in a new segment) and is skipped, as ``RecordingReader`` does.
public final class RecordingFollower: Sendable {
    public let directory: URL
    private let pollMilliseconds: UInt32
    private let stopping = Atomic<Bool>(false)

    public init(directory path: String, pollMilliseconds: UInt32 = 50) {
        directory = URL(fileURLWithPath: path)
        self.pollMilliseconds = pollMilliseconds
    }

    /// Makes ``forEachFrame(after:idle:_:)`` return soon (from any thread).
    public func stop() { stopping.store(true, ordering: .releasing) }

    /// Where the reading stands: a segment, how far into it, and the frames read in it.
    private struct Cursor {
        var segment: Int
        var offset = 0
        var frames = 0
    }

    /// Calls `body` with each frame after `start` and the position just after it, in order, as
    /// the recording grows, until ``stop()`` (or `body` returns `false`). Calls `idle` whenever
    /// it has caught up with the writer, before it waits for more.
    @discardableResult
    public func forEachFrame(after start: InputPosition?, idle: () -> Void,
                             _ body: (RecordedFrame, InputPosition) throws -> Bool) throws -> RecordingReader.Summary {
        var summary = RecordingReader.Summary()
        var cursor: Cursor?
        let skip = start ?? .start
        while !stopping.load(ordering: .acquiring) {
            let segments = ((try? RecordingReader.segments(in: directory)) ?? []).compactMap { url in RecordingReader.segmentNumber(url).map { ($0, url) } }
            if cursor == nil, let first = segments.first(where: { $0.0 >= skip.segment }) { cursor = Cursor(segment: first.0) }
            guard var current = cursor, let url = segments.first(where: { $0.0 == current.segment })?.1 else {
                idle()
                usleep(pollMilliseconds * 1_000)
                continue
            }
            let newer = segments.first { $0.0 > current.segment }
            let bytes = try Self.bytes(of: url, from: current.offset)
            var used = 0
            if current.offset == 0 {
                if let (_, headerEnd) = RecordingReader.header(bytes) { used = headerEnd } else { used = -1 }
            }
            var progressed = false
            if used >= 0 {
                while let (records, next) = RecordingReader.block(bytes, at: used) {
                    let stopped = try RecordingReader.eachRecord(in: records) { time, topic, payload in
                        current.frames += 1
                        guard current.segment > skip.segment || current.frames > skip.frame else { return true }
                        summary.frames += 1
                        let frame = RecordedFrame(receivedAt: time, topic: Array(records[topic]), payload: Array(records[payload]))
                        return try body(frame, InputPosition(segment: current.segment, frame: current.frames))
                    }
                    used = next
                    progressed = true
                    if stopped {
                        current.offset += used
                        cursor = current
                        return summary
                    }
                }
                current.offset += used
            }
            if let newer, !progressed {
                // The writer has moved on: what is left of this segment will never be whole.
                summary.tornBytes += bytes.count - max(used, 0)
                current = Cursor(segment: newer.0)
                progressed = true
            }
            cursor = current
            if !progressed {
                idle()
                usleep(pollMilliseconds * 1_000)
            }
        }
        return summary
    }

    /// The bytes of `url` from `offset` to its current end.
    private static func bytes(of url: URL, from offset: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return Array(try handle.readToEnd() ?? Data())
    }
}
