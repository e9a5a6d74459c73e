/// The layouts (``FrameShape``) of the last few kinds of native frame a decoder read: with them,
/// a frame shaped like one seen before is read by comparing its literal bytes and reading only
/// its values, in about 60 % of the full scan's time. The events and rejections are the same
/// either way (a frame that does not fit, or that anything is wrong with, is read in full).
///
/// Mutable state of one reader: each thread that decodes keeps its own and passes it to
/// ``FeedDecoder/decode(frame:topic:receivedAt:shapes:)``.
///
/// ```swift
/// var shapes = FrameShapes()
/// for frame in frames { let content = try decoder.decode(frame: frame, shapes: &shapes) }
/// ```
public struct FrameShapes: Sendable {
    /// Layouts kept; the least recently used one makes room for a new one.
    public static let capacity = 8
    /// Layouts learned before learning slows down (see ``wantsToLearn``).
    public static let freeLessons = 32

    /// Most recently used first.
    private var shapes: [FrameShape] = []
    /// Frames read by a layout, and layouts learned.
    public private(set) var hits = 0
    public private(set) var learned = 0

    /// The decoder whose frames these are (see ``EventDecoder``).
    private(set) var owner: Owner?

    public init() {}

    init(owner: Owner) {
        self.owner = owner
    }

    /// An identity, no more.
    final class Owner: Sendable {}

    /// Whether a frame read in full should teach its layout: always at first; then only while
    /// layouts pay (16 frames read by one for each learned), so a feed whose frames all differ
    /// stops paying for layouts it never reuses.
    var wantsToLearn: Bool { learned < Self.freeLessons || learned * 16 <= hits }

    /// The event `read` gives for the first layout it accepts, the most recently used first;
    /// that layout moves to the front.
    @inline(__always)
    mutating func firstMatch(where read: (FrameShape) -> Event?) -> Event? {
        for index in shapes.indices {
            guard let event = read(shapes[index]) else { continue }
            if index > 0 { shapes.insert(shapes.remove(at: index), at: 0) }
            hits += 1
            return event
        }
        return nil
    }

    /// Keeps `shape` in front, in place of the least recently used one when full.
    mutating func learn(_ shape: FrameShape) {
        learned += 1
        shapes.insert(shape, at: 0)
        if shapes.count > Self.capacity { shapes.removeLast() }
    }
}
