/// A multipart ZeroMQ message: one or more frames delivered atomically.
///
/// Frames are byte arrays; ``Message/string(at:)`` reads one as UTF-8.
public struct Message: Sendable, Equatable {
    /// The frames in order. Never empty for a received message.
    public var frames: [[UInt8]]

    public init(frames: [[UInt8]]) {
        self.frames = frames
    }

    /// A message of UTF-8 string frames, e.g. `Message("alert.traffic-police.warning", json)`.
    public init(_ strings: String...) {
        self.frames = strings.map { Array($0.utf8) }
    }

    /// The frame at `index` decoded as UTF-8 (invalid sequences are repaired), or `nil` if absent.
    public func string(at index: Int) -> String? {
        guard frames.indices.contains(index) else { return nil }
        return String(decoding: frames[index], as: UTF8.self)
    }
}
