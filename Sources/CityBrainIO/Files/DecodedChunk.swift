import CityBrainCore

/// Frames decoded off the reading thread (a block of a JSON-lines file, a chunk of a recording),
/// for ``EventBatcher``: the events of all of them in one array, in frame order, and per frame
/// its input position, how many of those events it gave and, if anything of it was rejected,
/// what the rejection report needs.
///
/// One array for the whole chunk rather than a decoded value per frame: handing each event over
/// from its own frame's result copied it (retaining its strings and readings, released again
/// with the result), a tenth of an offline run's CPU.
struct DecodedChunk: Sendable {
    /// The accepted events of every frame, in frame order.
    private(set) var events: [Event] = []
    /// One entry per frame, in input order.
    private(set) var frames: [Frame] = []
    /// The frames of which something was rejected, in input order (``Frame/issue`` indexes it).
    private(set) var issues: [Issue] = []

    /// One decoded frame: where it was, how many events it gave, and its rejections if any.
    struct Frame: Sendable {
        var position: InputPosition
        /// How many of ``DecodedChunk/events`` (following the previous frames') are this frame's.
        var eventCount: Int
        /// The frame's index in ``DecodedChunk/issues``, or `nil` if nothing of it was rejected.
        var issue: Int?
    }

    /// What was rejected of one frame, with its bytes for the dead-letter file.
    struct Issue: Sendable {
        /// The whole frame's rejection, or those of the records left out of a pack or entity array.
        var rejections: [FrameRejection]
        /// Whether the frame was rejected whole (then it gave no event).
        var wholeFrame: Bool
        var topic: [UInt8]?
        var payload: [UInt8]
    }

    init(capacity: Int) {
        events.reserveCapacity(capacity)
        frames.reserveCapacity(capacity)
    }

    /// Decodes `body` (checked against `topic`, if any) and appends what it gives. `receivedAt`:
    /// when the frame arrived, if known (SenML's relative times need it). `shapes`: the decoding
    /// thread's layouts of recent frames (``FrameShapes``).
    mutating func append(decoding body: UnsafeRawBufferPointer, topic: [UInt8]? = nil, receivedAt: Int64? = nil,
                         at position: InputPosition, with decoder: FeedDecoder, shapes: inout FrameShapes) {
        let before = events.count
        let outcome: Result<[FrameRejection], FrameRejection> = if let topic {
            topic.withUnsafeBytes { topicBytes in
                Result { () throws(FrameRejection) in
                    try decoder.decode(frame: body, topic: topicBytes, receivedAt: receivedAt, shapes: &shapes, appendingTo: &events)
                }
            }
        } else {
            Result { () throws(FrameRejection) in try decoder.decode(frame: body, receivedAt: receivedAt, shapes: &shapes, appendingTo: &events) }
        }
        var issue: Int?
        switch outcome {
        case .success(let rejections) where rejections.isEmpty:
            break
        case .success(let rejections):
            issue = issues.count
            issues.append(Issue(rejections: rejections, wholeFrame: false, topic: topic, payload: Array(body)))
        case .failure(let rejection):
            issue = issues.count
            issues.append(Issue(rejections: [rejection], wholeFrame: true, topic: topic, payload: Array(body)))
        }
        frames.append(Frame(position: position, eventCount: events.count - before, issue: issue))
    }

    /// Gives up the events, leaving none: the caller holds the only reference, so it can move
    /// them on instead of copying them.
    mutating func takeEvents() -> [Event] {
        var taken: [Event] = []
        swap(&taken, &events)
        return taken
    }
}
