import CityBrainCore
import Foundation
import Synchronization

/// The durable alert log: every alert is appended, and synced to disk, before it is published.
///
/// A journal is a directory of segments `journal-000001.log`, each a sequence of entries
/// `u32 length | u32 CRC-32 | alert JSON` (little-endian). A torn last entry (crash mid-write) is
/// trimmed when the journal is opened. Sequence numbers continue across restarts; each process
/// has its own **epoch** (its start time in Unix ms, kept in every alert it writes), so a consumer
/// can tell a restart from a gap. Segments older than the retention are deleted whole.
public final class AlertJournal: Sendable {
    /// When appended entries reach the disk.
    public enum SyncPolicy: String, Sendable, CaseIterable {
        /// fsync after every batch of alerts, before it is published (the default).
        case batch
        /// Leave it to the operating system (survives a process crash, not a power cut).
        case none
    }

    public let directory: URL
    /// This process's epoch.
    public let epoch: Int64
    private let policy: SyncPolicy
    private let segmentBytes: Int
    private let retention: Int64?
    private let clock: any WallClock
    private let state: Mutex<State>
    /// The sequence numbers each closed segment holds (`nil`: none), by file name, learnt the
    /// first time it is read: closed segments never change, so reading after a sequence number
    /// skips those wholly before it instead of parsing the whole journal (webhooks and catch-up
    /// read the journal's end again and again).
    private let closedSegments = Mutex<[String: ClosedRange<UInt64>?]>([:])

    private struct State {
        var handle: FileHandle?
        var segment = 0
        var segmentSize = 0
        var lastSequence: UInt64 = 0
    }

    /// Opens (or creates) the journal, trimming a torn tail and finding the last sequence number.
    /// - Parameters:
    ///   - retention: delete segments whose newest alert is older than this (ms), if set.
    ///   - epoch: this journal's epoch; by default the clock's time of day when it opens.
    ///   - clock: what "older than the retention" is measured against.
    public init(directory path: String, policy: SyncPolicy = .batch, segmentBytes: Int = 16 << 20, retention: Int64? = nil,
                epoch: Int64? = nil, clock: any WallClock = SystemClock()) throws {
        directory = URL(fileURLWithPath: path)
        self.clock = clock
        self.policy = policy
        self.segmentBytes = max(segmentBytes, 4_096)
        self.retention = retention
        self.epoch = epoch ?? clock.epochMilliseconds
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var state = State()
        let segments = try Self.segments(in: directory)
        if let last = segments.last {
            let (entries, validBytes, totalBytes) = try Self.read(last)
            if validBytes < totalBytes {
                let handle = try FileHandle(forWritingTo: last)
                try handle.truncate(atOffset: UInt64(validBytes))
                try handle.close()
            }
            state.lastSequence = entries.last?.seq ?? 0
            // Each start opens a new segment, so several restarts in a row can leave empty ones.
            for earlier in segments.dropLast().reversed() where state.lastSequence == 0 {
                state.lastSequence = (try Self.read(earlier).entries.last?.seq) ?? 0
            }
            state.segment = Self.segmentNumber(last) ?? segments.count
        }
        self.state = Mutex(state)
        try self.state.withLock { try self.openSegment(&$0) }
    }

    /// The last sequence number written (0 for an empty journal).
    public var lastSequence: UInt64 { state.withLock { $0.lastSequence } }

    /// Appends a batch (already numbered) and makes it durable per the policy.
    public func append(_ alerts: [Alert]) throws {
        try append(alerts, json: alerts.map(\.json))
    }

    /// Appends a batch (already numbered) whose wire JSON the caller has encoded (`json[i]` is
    /// `alerts[i].json`), and makes it durable per the policy.
    public func append(_ alerts: [Alert], json encoded: [String]) throws {
        guard !alerts.isEmpty else { return }
        try state.withLock { state in
            var bytes: [UInt8] = []
            for text in encoded {
                let json = Array(text.utf8)
                RecordingFormat.append(UInt32(json.count), to: &bytes)
                RecordingFormat.append(RecordingFormat.crc32(json), to: &bytes)
                bytes += json
            }
            try state.handle?.write(contentsOf: bytes)
            if policy == .batch { try state.handle?.synchronize() }
            state.segmentSize += bytes.count
            state.lastSequence = alerts.last?.seq ?? state.lastSequence
            if state.segmentSize >= segmentBytes {
                try state.handle?.synchronize()
                try state.handle?.close()
                try openSegment(&state)
                try applyRetention()
            }
        }
    }

    /// Alerts with a sequence number above `sequence`, oldest first (at most `limit`).
    public func alerts(after sequence: UInt64, limit: Int = .max) throws -> [Alert] {
        var result: [Alert] = []
        let writing = state.withLock { $0.segment }
        for segment in try Self.segments(in: directory) {
            let closed = Self.segmentNumber(segment) != writing
            if closed, let known = closedSegments.withLock({ $0[segment.lastPathComponent] }), (known?.upperBound ?? 0) <= sequence { continue }
            let (entries, _, _) = try Self.read(segment)
            if closed {
                let range = entries.first.flatMap { first in entries.last.map { first.seq...$0.seq } }
                closedSegments.withLock { $0[segment.lastPathComponent] = .some(range) }
            }
            guard let last = entries.last, last.seq > sequence else { continue }
            for entry in entries where entry.seq > sequence {
                result.append(entry)
                if result.count >= limit { return result }
            }
        }
        return result
    }

    static func segmentNumber(_ segment: URL) -> Int? {
        Int(segment.deletingPathExtension().lastPathComponent.dropFirst("journal-".count))
    }

    /// Makes everything appended so far durable (whatever the policy).
    public func sync() throws {
        try state.withLock { try $0.handle?.synchronize() }
    }

    public func close() {
        state.withLock { state in
            try? state.handle?.synchronize()
            try? state.handle?.close()
            state.handle = nil
        }
    }

    private func openSegment(_ state: inout State) throws {
        state.segment += 1
        let url = directory.appendingPathComponent("journal-" + String(format: "%06d", state.segment) + ".log")
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        state.handle = handle
        state.segmentSize = Int(try handle.offset())
    }

    private func applyRetention() throws {
        guard let retention else { return }
        let cutoff = clock.epochMilliseconds - retention
        let segments = try Self.segments(in: directory)
        for segment in segments.dropLast() {
            guard let newest = try Self.read(segment).entries.last, (newest.emittedAt ?? newest.ts) < cutoff else { break }
            try FileManager.default.removeItem(at: segment)
        }
    }

    static func segments(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("journal-") && $0.pathExtension == "log" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The entries of a segment, how many bytes of it are whole valid entries, and its size.
    static func read(_ segment: URL) throws -> (entries: [Alert], validBytes: Int, totalBytes: Int) {
        let bytes = try Array(Data(contentsOf: segment))
        var entries: [Alert] = []
        var offset = 0
        while let length = RecordingFormat.read(UInt32.self, from: bytes, at: offset),
              let crc = RecordingFormat.read(UInt32.self, from: bytes, at: offset + 4),
              offset + 8 + Int(length) <= bytes.count {
            let json = Array(bytes[(offset + 8)..<(offset + 8 + Int(length))])
            guard RecordingFormat.crc32(json) == crc, let alert = try? Alert(json: json) else { break }
            entries.append(alert)
            offset += 8 + Int(length)
        }
        return (entries, offset, bytes.count)
    }
}
