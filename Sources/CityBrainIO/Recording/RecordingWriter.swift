import CityBrainCore
import Foundation

/// Appends frames to a recording directory (see ``RecordingFormat``), rotating segments by size.
///
/// Frames are buffered into blocks of up to `blockFrames` frames, and a block is written whole
/// when it is full or ``flush()`` is called (the recorder flushes every 100 ms), so a crash loses
/// at most the frames of the unwritten block. Opening an existing recording first trims a torn
/// tail left by a crash, then continues in a new segment. Not thread-safe: one writer, one thread.
public final class RecordingWriter {
    public let directory: URL
    private let sources: [String]
    private let codec: RecordingFormat.Codec
    private let segmentBytes: Int
    private let blockFrames: Int
    private var handle: FileHandle?
    /// The number of the segment being written.
    public private(set) var segment = 0
    /// Frames in the segment being written (buffered ones included).
    public private(set) var segmentFrames = 0
    private var segmentSize = 0
    private var block: [UInt8] = []
    private var blockCount = 0
    /// Frames appended so far, and bytes written to disk.
    public private(set) var frames = 0
    public private(set) var bytes = 0
    /// Bytes of a torn tail trimmed when the recording was opened.
    public let trimmedBytes: Int

    public init(directory path: String, sources: [String], compress: Bool = false, segmentBytes: Int = 64 << 20, blockFrames: Int = 1_024) throws {
        directory = URL(fileURLWithPath: path)
        self.sources = sources
        codec = compress ? .zlib : .raw
        self.segmentBytes = max(segmentBytes, 4_096)
        self.blockFrames = max(blockFrames, 1)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let existing = try RecordingReader.segments(in: directory)
        var trimmed = 0
        if let last = existing.last {
            trimmed = try RecordingReader.trimTornTail(of: last)
            segment = RecordingReader.segmentNumber(last) ?? existing.count
        }
        trimmedBytes = trimmed
        try openNextSegment()
    }

    /// Buffers a frame; writes the block when it is full.
    public func append(_ frame: RecordedFrame) throws {
        RecordingFormat.appendRecord(receivedAt: frame.receivedAt, topic: frame.topic, payload: frame.payload, to: &block)
        blockCount += 1
        frames += 1
        segmentFrames += 1
        if blockCount >= blockFrames { try flush() }
    }

    /// Buffers `count` frames already laid out as the format's records (see ``FrameLog``).
    func appendRecords(_ records: [UInt8], count: Int) throws {
        block.append(contentsOf: records)
        blockCount += count
        frames += count
        segmentFrames += count
        if blockCount >= blockFrames { try flush() }
    }

    /// Writes the buffered frames as one block.
    public func flush() throws {
        guard blockCount > 0, let handle else { return }
        var stored = block
        var codecUsed = RecordingFormat.Codec.raw
        if codec == .zlib, let compressed = RecordingFormat.compress(block) {
            stored = compressed
            codecUsed = .zlib
        }
        var framed: [UInt8] = []
        framed.reserveCapacity(stored.count + RecordingFormat.blockHeaderSize)
        RecordingFormat.append(UInt32(stored.count), to: &framed)
        RecordingFormat.append(RecordingFormat.crc32(stored), to: &framed)
        RecordingFormat.append(UInt32(block.count), to: &framed)
        framed.append(codecUsed.rawValue)
        framed += stored
        try handle.write(contentsOf: framed)
        segmentSize += framed.count
        bytes += framed.count
        block.removeAll(keepingCapacity: true)
        blockCount = 0
        if segmentSize >= segmentBytes {
            try handle.synchronize()
            try handle.close()
            try openNextSegment()
        }
    }

    /// Flushes and syncs to disk.
    public func sync() throws {
        try flush()
        try handle?.synchronize()
    }

    /// Flushes, syncs to disk and closes.
    public func close() throws {
        try flush()
        try handle?.synchronize()
        try handle?.close()
        handle = nil
    }

    private func openNextSegment() throws {
        segment += 1
        segmentFrames = 0
        let url = directory.appendingPathComponent(RecordingFormat.segmentName(segment))
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot create \(url.path)"])
        }
        let handle = try FileHandle(forWritingTo: url)
        var header = JSONObjectWriter()
        header.field("version", Int64(RecordingFormat.version))
        header.field("created", SystemClock().epochMilliseconds)
        header.field("segment", Int64(segment))
        header.field("compression", codec == .zlib ? "zlib" : "none")
        header.field("sources", strings: sources)
        let json = Array(header.finish().utf8)
        var bytes = RecordingFormat.magic
        RecordingFormat.append(UInt32(json.count), to: &bytes)
        bytes += json
        try handle.write(contentsOf: bytes)
        self.handle = handle
        segmentSize = bytes.count
        self.bytes += bytes.count
    }
}
