/// Decodes feed frames into ``Event`` values with a hand-written scanner.
///
/// The hot path never touches `JSONDecoder`: one pass over the bytes, no intermediate tree,
/// no allocation beyond the event's own strings. Every problem is reported as a
/// ``FrameRejection`` naming the field and the byte offset.
///
/// The accepted shape (documented in `docs/wire-format.md`):
/// - one JSON object; `kind` (string, a kind the decoder knows: the built-in three and those
///   its pipeline declares), `sensor` (string) and `ts`
///   (integer Unix milliseconds) are required, `district` (string) is optional;
/// - every other field is a measurement and must be a finite number within its known range
///   (``MeasurementLimits``);
/// - an optional topic frame `<kind>.<district>.<sensor>` must agree with the body; it supplies
///   the district when the body has none.
///
/// ```swift
/// let decoder = EventDecoder()
/// let event = try decoder.decode(json: Array(#"{"kind":"parking","sensor":"g-1","ts":1732270000000,"occupied":3,"capacity":9}"#.utf8))
/// ```
public struct EventDecoder: Sendable {
    /// Largest JSON frame accepted, in bytes; larger ones are ``RejectReason/frameTooLarge``.
    public var maxFrameBytes: Int
    /// The kinds accepted besides the built-in ones (``EventKind/builtIn``).
    public let declaredKinds: Set<EventKind>
    /// Who taught a ``FrameShapes`` its layouts: one decoder's layouts say nothing of another's
    /// kinds, so shapes taught by another are forgotten.
    private let shapesOwner = FrameShapes.Owner()

    /// - Parameter kinds: the kinds to accept (``Pipeline/knownKinds``); the built-in ones are
    ///   always accepted.
    public init(maxFrameBytes: Int = 64 * 1024, kinds: [EventKind] = EventKind.builtIn) {
        self.maxFrameBytes = maxFrameBytes
        self.declaredKinds = Set(kinds.filter { !$0.isBuiltIn })
    }

    /// Decodes one JSON frame, checked against an optional topic frame.
    public func decode(json: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer? = nil) throws(FrameRejection) -> Event {
        try decode(json: json, topic: topic, shapes: nil)
    }

    /// Decodes one JSON frame like ``decode(json:topic:)``, first against the layouts of the
    /// frames `shapes` has seen (a frame of a known layout costs about 60 %); the event or the
    /// rejection is the same. `shapes` belongs to the calling thread.
    public func decode(json: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer? = nil, shapes: inout FrameShapes) throws(FrameRejection) -> Event {
        try withUnsafeMutablePointer(to: &shapes) { shapes throws(FrameRejection) in try decode(json: json, topic: topic, shapes: shapes) }
    }

    /// The one path of both: with `shapes`, the layouts' cache. Inlined: returned through each
    /// layer, the event was copied at each.
    @inline(__always)
    func decode(json: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer?, shapes: UnsafeMutablePointer<FrameShapes>?) throws(FrameRejection) -> Event {
        guard json.count <= maxFrameBytes else {
            throw FrameRejection(.frameTooLarge, "frame of \(json.count) bytes exceeds the limit of \(maxFrameBytes) bytes")
        }
        var scanner = JSONEventScanner(bytes: json, declaredKinds: declaredKinds)
        var event: Event
        if let shapes {
            if shapes.pointee.owner !== shapesOwner { shapes.pointee = FrameShapes(owner: shapesOwner) }
            event = try scanner.scanEvent(shapes: &shapes.pointee)
        } else {
            event = try scanner.scanEvent()
        }
        if let topic {
            try FeedTopic.reconcile(topic, with: &event)
        }
        return event
    }

    /// Decodes one JSON frame held in an array, checked against an optional topic frame.
    public func decode(json: [UInt8], topic: [UInt8]? = nil) throws(FrameRejection) -> Event {
        // Closures cannot carry typed throws through withUnsafeBytes, so capture the outcome.
        let result: Result<Event, FrameRejection> = json.withUnsafeBytes { jsonBytes in
            guard let topic else { return Result { () throws(FrameRejection) in try decode(json: jsonBytes) } }
            return topic.withUnsafeBytes { topicBytes in
                Result { () throws(FrameRejection) in try decode(json: jsonBytes, topic: topicBytes) }
            }
        }
        return try result.get()
    }

    /// Decodes one line of a JSON-lines file.
    public func decode(line: String) throws(FrameRejection) -> Event {
        var line = line
        let result: Result<Event, FrameRejection> = line.withUTF8 { buffer in
            Result { () throws(FrameRejection) in try decode(json: UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }
}
