import CityBrainCore

/// How far an input has been read: every frame up to `frame` (a count, so 0 is "nothing") of
/// segment `segment`. For a recording or an input log, segments are its numbered segment files;
/// a JSON-lines file is segment 0 and its frames are lines. A checkpoint stores the position its
/// state follows from, and a restart reads on from there.
public struct InputPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var segment: Int
    public var frame: Int

    public init(segment: Int, frame: Int) {
        self.segment = segment
        self.frame = frame
    }

    /// The start of an input.
    public static let start = InputPosition(segment: 0, frame: 0)

    public static func < (a: InputPosition, b: InputPosition) -> Bool { (a.segment, a.frame) < (b.segment, b.frame) }

    public var description: String { segment == 0 ? "line \(frame)" : "segment \(segment) frame \(frame)" }
}

extension InputPosition: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(segment)
        writer.write(frame)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        segment = try reader.read()
        frame = try reader.read()
    }
}
