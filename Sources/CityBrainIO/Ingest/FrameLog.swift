/// The accepted frames of one ingest batch as they arrived, laid out as the recording format's
/// records (``RecordingFormat``), for the input log: it writes them as they are, so logging costs
/// a copy, not a re-encoding of every event.
struct FrameLog {
    let enabled: Bool
    /// Receive time stamped on the frames (wall clock, Unix ms), set once per poll.
    var receivedAt: Int64 = 0
    private(set) var records: [UInt8] = []
    private(set) var count = 0

    init(enabled: Bool) {
        self.enabled = enabled
    }

    mutating func append(topic: [UInt8]?, payload: UnsafeRawBufferPointer) {
        guard enabled else { return }
        RecordingFormat.appendRecord(receivedAt: receivedAt, topic: topic ?? [], payload: payload, to: &records)
        count += 1
    }

    mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        count = 0
    }
}
