import Foundation

/// Reads a recording directory (or a single segment file) frame by frame, in order.
///
/// A damaged or incomplete last block (a torn tail) ends its segment: it is reported in
/// ``Summary/tornBytes`` and skipped, never fatal; everything before it is read.
public struct RecordingReader: Sendable {
    public let segments: [URL]

    /// What a pass over the recording saw.
    public struct Summary: Sendable, Equatable {
        public var frames = 0
        /// Bytes at the end of segments that did not form a whole, valid block.
        public var tornBytes = 0
    }

    /// The header of the first segment: version, creation time, sources, compression.
    public let header: [String: any Sendable]

    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no recording at \(path)"])
        }
        let url = URL(fileURLWithPath: path)
        segments = isDirectory.boolValue ? try Self.segments(in: url) : [url]
        guard let first = segments.first else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(path) holds no recording segments"])
        }
        let bytes = try Array(Data(contentsOf: first))
        guard let (header, _) = Self.header(bytes) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(first.path) is not a CityBrain recording"])
        }
        self.header = header
    }

    /// Whether `path` is a recording (a directory of segments or a segment) rather than JSON lines.
    public static func isRecording(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue { return !((try? segments(in: URL(fileURLWithPath: path))) ?? []).isEmpty }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: RecordingFormat.magic.count)).map(Array.init) == RecordingFormat.magic
    }

    /// Calls `body` with each frame in order until it returns `false`.
    @discardableResult
    public func forEachFrame(_ body: (RecordedFrame) throws -> Bool) throws -> Summary {
        try forEachFrame(after: nil) { frame, _ in try body(frame) }
    }

    /// Calls `body` with each frame after `start` (every frame if `nil`) and the position just
    /// after it, in order, until it returns `false`. Segments before `start`'s are not read.
    @discardableResult
    public func forEachFrame(after start: InputPosition?, _ body: (RecordedFrame, InputPosition) throws -> Bool) throws -> Summary {
        var summary = Summary()
        for (ordinal, segment) in segments.enumerated() {
            let number = Self.segmentNumber(segment) ?? ordinal + 1
            if let start, number < start.segment { continue }
            var index = 0
            let skip = start.map { $0.segment == number ? $0.frame : 0 } ?? 0
            let bytes = try Array(Data(contentsOf: segment))
            guard let (_, start) = Self.header(bytes) else {
                summary.tornBytes += bytes.count
                continue
            }
            var offset = start
            while let (records, next) = Self.block(bytes, at: offset) {
                let stopped = try Self.eachRecord(in: records) { time, topic, payload in
                    index += 1
                    guard index > skip else { return true }
                    summary.frames += 1
                    let frame = RecordedFrame(receivedAt: time, topic: Array(records[topic]), payload: Array(records[payload]))
                    return try body(frame, InputPosition(segment: number, frame: index))
                }
                if stopped { return summary }
                offset = next
            }
            summary.tornBytes += bytes.count - offset
        }
        return summary
    }

    /// The segment files of a recording directory, in order.
    static func segments(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasPrefix("segment-") && $0.pathExtension == "cbrec" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func segmentNumber(_ url: URL) -> Int? {
        Int(url.deletingPathExtension().lastPathComponent.dropFirst("segment-".count))
    }

    /// Truncates a segment after its last whole, valid block; returns the bytes removed.
    static func trimTornTail(of segment: URL) throws -> Int {
        let bytes = try Array(Data(contentsOf: segment))
        guard let (_, start) = header(bytes) else { return 0 }
        var offset = start
        while let (_, next) = block(bytes, at: offset) { offset = next }
        guard offset < bytes.count else { return 0 }
        let handle = try FileHandle(forWritingTo: segment)
        try handle.truncate(atOffset: UInt64(offset))
        try handle.close()
        return bytes.count - offset
    }

    /// Calls `body` with each record of a block's records (receive time, topic and payload
    /// ranges) until it returns `false`; returns whether it did.
    static func eachRecord(in records: [UInt8], _ body: (Int64, Range<Int>, Range<Int>) throws -> Bool) rethrows -> Bool {
        var position = 0
        while position < records.count {
            guard let time = RecordingFormat.read(Int64.self, from: records, at: position),
                  let topicLength = RecordingFormat.read(UInt16.self, from: records, at: position + 8),
                  let payloadLength = RecordingFormat.read(UInt32.self, from: records, at: position + 10) else { break }
            let topicStart = position + 14
            let payloadStart = topicStart + Int(topicLength)
            let end = payloadStart + Int(payloadLength)
            guard end <= records.count else { break }
            position = end
            if try !body(time, topicStart..<payloadStart, payloadStart..<end) { return true }
        }
        return false
    }

    static func header(_ bytes: [UInt8]) -> ([String: any Sendable], Int)? {
        guard bytes.count >= 12, Array(bytes[0..<8]) == RecordingFormat.magic,
              let length = RecordingFormat.read(UInt32.self, from: bytes, at: 8), 12 + Int(length) <= bytes.count,
              let object = try? JSONSerialization.jsonObject(with: Data(bytes[12..<(12 + Int(length))])) as? [String: Any] else { return nil }
        return (object.mapValues { "\($0)" as any Sendable }, 12 + Int(length))
    }

    /// The records of the block at `offset` and where the next block starts, or `nil` at the end
    /// or at a damaged block.
    static func block(_ bytes: [UInt8], at offset: Int) -> ([UInt8], Int)? {
        guard offset + RecordingFormat.blockHeaderSize <= bytes.count,
              let stored = RecordingFormat.read(UInt32.self, from: bytes, at: offset),
              let crc = RecordingFormat.read(UInt32.self, from: bytes, at: offset + 4),
              let raw = RecordingFormat.read(UInt32.self, from: bytes, at: offset + 8),
              let codec = RecordingFormat.Codec(rawValue: bytes[offset + 12]) else { return nil }
        let start = offset + RecordingFormat.blockHeaderSize, end = start + Int(stored)
        guard end <= bytes.count else { return nil }
        let data = Array(bytes[start..<end])
        guard RecordingFormat.crc32(data) == crc else { return nil }
        switch codec {
        case .raw: return data.count == Int(raw) ? (data, end) : nil
        case .zlib: return RecordingFormat.decompress(data, rawLength: Int(raw)).map { ($0, end) }
        }
    }
}
