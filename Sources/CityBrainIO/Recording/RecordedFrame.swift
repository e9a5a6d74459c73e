/// One feed message as it arrived: when, and its frames (an optional topic, then the payload).
public struct RecordedFrame: Sendable, Hashable {
    /// Receive time, Unix ms (wall clock of the recorder).
    public var receivedAt: Int64
    /// The topic frame, or empty for a one-frame message.
    public var topic: [UInt8]
    /// The JSON frame.
    public var payload: [UInt8]

    public init(receivedAt: Int64, topic: [UInt8], payload: [UInt8]) {
        self.receivedAt = receivedAt
        self.topic = topic
        self.payload = payload
    }
}
