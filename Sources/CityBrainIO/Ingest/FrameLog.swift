import CityBrainCore

/// The accepted frames of one ingest batch as they arrived, laid out as the recording format's
/// records (``RecordingFormat``), for the input log: it writes them as they are, so logging costs
/// a copy, not a re-encoding of every event.
struct FrameLog {
    let enabled: Bool
    /// Receive time stamped on the frames (wall clock, Unix ms), set once per poll.
    var receivedAt: Int64 = 0
    private(set) var records: [UInt8] = []
    private(set) var count = 0
    /// Where each frame's record ends in `records`, so a prefix of the frames can be logged.
    private var ends: [Int] = []
    /// How much of `records` was handed to the input log already (a batch the engine refused
    /// waits with its frames logged; see ``takeUnlogged()``).
    private var logged = (bytes: 0, count: 0)

    init(enabled: Bool) {
        self.enabled = enabled
    }

    mutating func append(topic: [UInt8]?, payload: UnsafeRawBufferPointer) {
        guard enabled else { return }
        RecordingFormat.appendRecord(receivedAt: receivedAt, topic: topic ?? [], payload: payload, to: &records)
        ends.append(records.count)
        count += 1
    }

    /// Appends `event` as a native frame of its own (an event of a SenML pack or an NGSI-LD
    /// frame: the log holds one record per event, in the format every reader knows).
    mutating func append(event: Event) {
        guard enabled else { return }
        var json = EventEncoder.json(event)
        json.withUTF8 { append(topic: nil, payload: UnsafeRawBufferPointer($0)) }
    }

    /// Where the next frame will go, to ``rollback(to:)`` if its reading is shed.
    var mark: (bytes: Int, count: Int) { (records.count, count) }

    /// Forgets the frames appended since `mark` (never frames already logged).
    mutating func rollback(to mark: (bytes: Int, count: Int)) {
        guard enabled, mark.bytes < records.count else { return }
        precondition(mark.bytes >= logged.bytes, "a logged frame cannot be taken back")
        records.removeSubrange(mark.bytes...)
        ends.removeSubrange(mark.count...)
        count = mark.count
    }

    /// The frames before frame number `through` (default: all) not yet logged, with their count,
    /// now counted as logged; `nil` when none. A batch handed on in parts logs each part just
    /// before it goes, so the input log never runs ahead of what the engine took.
    mutating func takeUnlogged(through end: Int? = nil) -> (records: [UInt8], count: Int)? {
        let end = min(end ?? count, count)
        guard end > logged.count else { return nil }
        let endByte = ends[end - 1]
        let unlogged = logged.bytes == 0 && endByte == records.count ? records : Array(records[logged.bytes..<endByte])
        defer { logged = (endByte, end) }
        return (unlogged, end - logged.count)
    }

    /// Forgets the first `count` frames, which must have been logged (their readings were taken).
    mutating func dropFirst(_ dropped: Int) {
        guard enabled, dropped > 0 else { return }
        precondition(dropped <= logged.count, "only logged frames can be dropped")
        let bytes = ends[dropped - 1]
        records.removeFirst(bytes)
        ends.removeFirst(dropped)
        for index in ends.indices { ends[index] -= bytes }
        count -= dropped
        logged = (logged.bytes - bytes, logged.count - dropped)
    }

    mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        count = 0
        logged = (0, 0)
    }
}
