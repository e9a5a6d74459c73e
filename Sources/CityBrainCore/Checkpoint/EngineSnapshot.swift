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
    /// The collector's correlation and storm state.
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
    public func write(to writer: inout CheckpointWriter) {
        writeWhole(to: &writer)
    }

    /// Writes the snapshot, handing what is written to `sink` partition by partition when one is
    /// given: each captured partition is encoded on its own, so the memory a checkpoint needs is
    /// one partition's encoding, not the whole file's. The bytes are those of ``write(to:)``.
    public func write(to writer: inout CheckpointWriter, draining sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        writer.write(position)
        writer.writeCount(parts.count)
        for part in parts {
            // Reserved from the engine's own estimate, so the buffer never grows by copying
            // (untouched reserved pages cost nothing).
            var own = CheckpointWriter(reservingCapacity: statistics.stateBytes / max(1, parts.count))
            switch part {
            case .captured(let state): state.write(to: &own)
            case .encoded(let bytes): own.writeRaw(bytes)
            }
            writer.writeCount(own.count)
            try writer.drain(into: sink)
            try own.drain(into: sink)
        }
        writeTail(to: &writer)
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

    private func writeWhole(to writer: inout CheckpointWriter) {
        writer.write(position)
        writer.writeCount(parts.count)
        for part in parts {
            switch part {
            case .captured(let state): writer.writeLengthPrefixed { state.write(to: &$0) }
            case .encoded(let bytes):
                writer.writeCount(bytes.count)
                writer.writeRaw(bytes)
            }
        }
        writeTail(to: &writer)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        position = try reader.read()
        parts = []
        for _ in 0..<(try reader.readCount(minimumElementBytes: 8)) { parts.append(.encoded(Array(try reader.readRaw(try reader.readCount())))) }
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
