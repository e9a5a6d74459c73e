import CityBrainCore

/// One input frame after decoding, with what a rejection report needs.
struct DecodedFrame: Sendable {
    var position: InputPosition
    var outcome: Result<Event, FrameRejection>
    /// The frame's bytes when it was rejected (for the dead-letter file); empty otherwise.
    var topic: [UInt8]?
    var payload: [UInt8]

    /// Decodes `json` (and `topic`), keeping the bytes only if the frame is rejected.
    init(decoding json: UnsafeRawBufferPointer, topic: [UInt8]? = nil, at position: InputPosition, with decoder: EventDecoder) {
        self.position = position
        if let topic {
            outcome = topic.withUnsafeBytes { topicBytes in
                Result { () throws(FrameRejection) in try decoder.decode(json: json, topic: topicBytes) }
            }
        } else {
            outcome = Result { () throws(FrameRejection) in try decoder.decode(json: json) }
        }
        if case .failure = outcome {
            self.topic = topic
            payload = Array(json)
        } else {
            self.topic = nil
            payload = []
        }
    }
}
