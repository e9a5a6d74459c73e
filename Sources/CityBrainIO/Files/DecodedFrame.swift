import CityBrainCore

/// One input frame after decoding, with what a rejection report needs.
struct DecodedFrame: Sendable {
    var position: InputPosition
    var outcome: Result<FrameContent, FrameRejection>
    /// The frame's bytes when it, or a record of it, was rejected (for the dead-letter file);
    /// empty otherwise.
    var topic: [UInt8]?
    var payload: [UInt8]

    /// Decodes `body` (and `topic`), keeping the bytes only if the frame or a record of it is
    /// rejected. `receivedAt`: when the frame arrived, if known (SenML's relative times need it).
    init(decoding body: UnsafeRawBufferPointer, topic: [UInt8]? = nil, receivedAt: Int64? = nil, at position: InputPosition, with decoder: FeedDecoder) {
        self.position = position
        if let topic {
            outcome = topic.withUnsafeBytes { topicBytes in
                Result { () throws(FrameRejection) in try decoder.decode(frame: body, topic: topicBytes, receivedAt: receivedAt) }
            }
        } else {
            outcome = Result { () throws(FrameRejection) in try decoder.decode(frame: body, receivedAt: receivedAt) }
        }
        if (try? outcome.get())?.rejected.isEmpty == false {
            self.topic = topic
            payload = Array(body)
        } else if case .failure = outcome {
            self.topic = topic
            payload = Array(body)
        } else {
            self.topic = nil
            payload = []
        }
    }
}
