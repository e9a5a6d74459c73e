import CityBrainCore

/// What a checkpoint file holds: the engine's state at one input position, the pipeline it ran,
/// and the alert sequence number reached there (see `docs/operations.md`, "Crash recovery").
public struct Checkpoint: Sendable {
    /// When it was taken (wall clock, Unix ms).
    public var createdAt: Int64
    /// The input read before the barrier: a restart reads on from here.
    public var input: InputPosition
    /// The alert sequence number the engine's state stands after: the last one handed out
    /// before the barrier, or, for a checkpoint taken while a restored engine was still catching
    /// up, the one before the oldest journaled alert it had yet to produce again. A restart
    /// expects the journal's alerts after it once more (``AlertDispatcher/checkpointSequence``).
    public var lastSequence: UInt64
    /// The pipeline files in force, so a restart can rebuild that pipeline and then reload the
    /// current files over it (unchanged rules keep their state).
    public var pipeline: [PipelineSource]
    public var engine: EngineSnapshot

    public init(createdAt: Int64, input: InputPosition, lastSequence: UInt64, pipeline: [PipelineSource], engine: EngineSnapshot) {
        self.createdAt = createdAt
        self.input = input
        self.lastSequence = lastSequence
        self.pipeline = pipeline
        self.engine = engine
    }
}

extension Checkpoint: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writeHead(to: &writer)
        writer.write(engine)
    }

    /// Writes the checkpoint, handing the bytes to `sink` piece by piece (see
    /// ``EngineSnapshot/write(to:draining:)``); what is left in `writer` at the end is the tail.
    func write(to writer: inout CheckpointWriter, draining sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        writeHead(to: &writer)
        try engine.write(to: &writer, draining: sink)
    }

    private func writeHead(to writer: inout CheckpointWriter) {
        writer.write(createdAt)
        writer.write(input)
        writer.write(lastSequence)
        writer.writeCount(pipeline.count)
        for source in pipeline {
            writer.write(source.name)
            writer.write(source.text)
        }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        createdAt = try reader.read()
        input = try reader.read()
        lastSequence = try reader.read()
        pipeline = []
        for _ in 0..<(try reader.readCount()) { pipeline.append(PipelineSource(name: try reader.read(), text: try reader.read())) }
        engine = try reader.read()
    }
}
