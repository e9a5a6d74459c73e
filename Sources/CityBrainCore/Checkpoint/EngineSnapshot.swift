/// The engine's whole state at one input position: what a checkpoint holds of the engine.
///
/// Taken by ``StreamEngine/checkpoint()`` between two batches (a barrier that travels through
/// the partition queues like a reload), handed to the output handler in order with the output,
/// and given back to ``StreamEngine/init(restoring:pipeline:maxBatchesInFlight:emitScores:output:)``.
/// A fresh snapshot holds each partition's state by value (captured copy-on-write); it is
/// encoded when written (``write(to:)``), on whatever thread writes it, never on a partition.
public struct EngineSnapshot: Sendable {
    /// One partition's part: captured state, or bytes read back from a file.
    enum Part: Sendable {
        case captured(PartitionState)
        case encoded([UInt8])

        var bytes: [UInt8] {
            switch self {
            case .captured(let state): state.encoded
            case .encoded(let bytes): bytes
            }
        }
    }

    /// Events submitted before the barrier (the input position the engine resumes at).
    public var position: Int64
    var parts: [Part]
    /// The router's watermark state.
    public var router: [UInt8]
    /// The ordered merge's correlation and storm state.
    public var collector: [UInt8]
    /// Running totals at the barrier (events, alerts, …, keys, open windows and alerts).
    public var statistics: EngineStatistics
    /// The longest time one partition paused its event processing to capture its state, in
    /// nanoseconds.
    public var pauseNanoseconds: UInt64
    /// Taken after ``StreamEngine/finish()``: every window is closed, and an engine restored from
    /// it treats any further event as late.
    public var finished = false

    /// Partitions the state is spread over.
    public var partitionCount: Int { parts.count }

    /// Each partition's encoded state (encodes captured ones).
    public var encodedPartitions: [[UInt8]] { parts.map(\.bytes) }

    /// A snapshot of encoded partitions (as read from a file).
    public init(position: Int64, partitions: [[UInt8]], router: [UInt8], collector: [UInt8], statistics: EngineStatistics, pauseNanoseconds: UInt64) {
        self.init(position: position, parts: partitions.map(Part.encoded), router: router, collector: collector, statistics: statistics,
                  pauseNanoseconds: pauseNanoseconds)
    }

    init(position: Int64, parts: [Part], router: [UInt8], collector: [UInt8], statistics: EngineStatistics, pauseNanoseconds: UInt64) {
        self.position = position
        self.parts = parts
        self.router = router
        self.collector = collector
        self.statistics = statistics
        self.pauseNanoseconds = pauseNanoseconds
    }
}

extension EngineSnapshot: CheckpointCodable {
    /// How many bytes of a partition's encoding each frame holds (the last one fewer): the
    /// memory an encoding needs beside the state, whatever the partition's size.
    public static let framePieceBytes = 4 << 20

    public func write(to writer: inout CheckpointWriter) {
        write(to: &writer, pieceBytes: Self.framePieceBytes)
    }

    /// Writes the snapshot with each partition's encoding in frames of `pieceBytes`: the bytes
    /// ``write(to:pieceBytes:draining:)`` streams, collected in `writer`.
    public func write(to writer: inout CheckpointWriter, pieceBytes: Int) {
        var tail = CheckpointWriter()
        // The sink cannot fail, so neither can the encoding.
        try! write(to: &tail, pieceBytes: pieceBytes, draining: { writer.writeRaw($0) })
        tail.drain(into: { writer.writeRaw($0) })
    }

    /// Writes the snapshot, handing what is written to `sink` as it is encoded: each partition
    /// leaves in frames of `pieceBytes`, so the memory a checkpoint needs beside the engine is
    /// a buffer of two frames, not the file. The bytes are those of ``write(to:pieceBytes:)``;
    /// what is left in `writer` at the end is the tail. The first error of `sink` stops the
    /// encoding and is thrown.
    public func write(to writer: inout CheckpointWriter, pieceBytes: Int = Self.framePieceBytes,
                      draining sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        writer.write(position)
        writer.writeCount(parts.count)
        try writer.drain(into: sink)
        var failure: (any Error)?
        func writeCount(_ count: Int) throws { try withUnsafeBytes(of: UInt64(count).littleEndian) { try sink($0) } }
        for part in parts {
            Self.writeFrames(of: part, pieceBytes: pieceBytes) { piece in
                guard failure == nil else { return }
                do {
                    try writeCount(piece.count)
                    try sink(piece)
                } catch { failure = error }
            }
            if let failure { throw failure }
            try writeCount(0)
        }
        writeTail(to: &writer)
    }

    /// Hands one partition's encoding to `frame` in pieces of exactly `pieceBytes` (the last
    /// one fewer), encoding a captured partition as it goes.
    private static func writeFrames(of part: Part, pieceBytes: Int, to frame: (UnsafeRawBufferPointer) -> Void) {
        switch part {
        case .captured(let state):
            withoutActuallyEscaping(frame) { frame in
                var own = CheckpointWriter(pieceBytes: pieceBytes, spill: frame)
                state.write(to: &own)
                own.finishPieces()
            }
        case .encoded(let bytes):
            bytes.withUnsafeBytes { raw in
                var start = 0
                while start < raw.count {
                    let end = min(raw.count, start + pieceBytes)
                    frame(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    start = end
                }
            }
        }
    }

    /// One partition's encoding, put together from its frames.
    private static func readFrames(from reader: inout CheckpointReader) throws(CheckpointError) -> [UInt8] {
        var scan = reader
        var total = 0
        while case let count = try scan.readCount(), count > 0 {
            _ = try scan.readRaw(count)
            total += count
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        while case let count = try reader.readCount(), count > 0 { bytes.append(contentsOf: try reader.readRaw(count)) }
        return bytes
    }

    private func writeTail(to writer: inout CheckpointWriter) {
        writer.writeCount(router.count)
        writer.writeRaw(router)
        writer.writeCount(collector.count)
        writer.writeRaw(collector)
        writer.write(statistics)
        writer.write(pauseNanoseconds)
        writer.write(finished)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        position = try reader.read()
        parts = []
        for _ in 0..<(try reader.readCount(minimumElementBytes: 8)) { parts.append(.encoded(try Self.readFrames(from: &reader))) }
        router = Array(try reader.readRaw(try reader.readCount()))
        collector = Array(try reader.readRaw(try reader.readCount()))
        statistics = try reader.read()
        pauseNanoseconds = try reader.read()
        finished = try reader.read()
    }
}

extension EngineStatistics: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(events)
        writer.write(lateEvents)
        writer.write(outOfRangeReadings)
        writer.write(alerts)
        writer.write(windowResults)
        writer.write(watermark)
        writer.write(openWindows)
        writer.write(stateBytes)
        writer.write(keys)
        writer.write(openAlerts)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        self.init()
        events = try reader.read()
        lateEvents = try reader.read()
        outOfRangeReadings = try reader.read()
        alerts = try reader.read()
        windowResults = try reader.read()
        watermark = try reader.read()
        openWindows = try reader.read()
        stateBytes = try reader.read()
        keys = try reader.read()
        openAlerts = try reader.read()
    }
}
