/// The engine's whole state at one input position: what a checkpoint holds of the engine.
///
/// Taken by ``StreamEngine/checkpoint()`` between two batches (a barrier that travels through
/// the partition queues like a reload), handed to the output handler in order with the output,
/// and given back to ``StreamEngine/init(restoring:pipeline:maxBatchesInFlight:emitScores:output:)``.
/// Every partition's state is already encoded (on its own queue), so writing a snapshot to disk
/// needs no engine lock.
public struct EngineSnapshot: Sendable, Equatable {
    /// Events submitted before the barrier (the input position the engine resumes at).
    public var position: Int64
    /// Each partition's encoded state, by partition index.
    public var partitions: [[UInt8]]
    /// The router's watermark state.
    public var router: [UInt8]
    /// The collector's correlation and storm state.
    public var collector: [UInt8]
    /// Running totals at the barrier (events, alerts, …, keys, open windows and alerts).
    public var statistics: EngineStatistics
    /// The longest time one partition spent encoding its state, in nanoseconds: how long its
    /// event processing paused for the checkpoint.
    public var pauseNanoseconds: UInt64

    /// Bytes of encoded state.
    public var byteCount: Int { partitions.reduce(router.count + collector.count) { $0 + $1.count } }
}

extension EngineSnapshot: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(position)
        writer.writeCount(partitions.count)
        for part in partitions {
            writer.writeCount(part.count)
            writer.writeRaw(part)
        }
        writer.writeCount(router.count)
        writer.writeRaw(router)
        writer.writeCount(collector.count)
        writer.writeRaw(collector)
        writer.write(statistics)
        writer.write(pauseNanoseconds)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        position = try reader.read()
        partitions = []
        for _ in 0..<(try reader.readCount(minimumElementBytes: 8)) { partitions.append(Array(try reader.readRaw(try reader.readCount()))) }
        router = Array(try reader.readRaw(try reader.readCount()))
        collector = Array(try reader.readRaw(try reader.readCount()))
        statistics = try reader.read()
        pauseNanoseconds = try reader.read()
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
