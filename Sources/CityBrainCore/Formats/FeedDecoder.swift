/// Decodes feed frames of any supported format (``FeedFormat``) into events: the one decoder
/// live input, recordings, `--input` files and the input log share.
///
/// Native frames take the allocation-free path (``EventDecoder``) and give one event; SenML
/// packs and NGSI-LD entity arrays give several, with the records rejected on their own.
///
/// ```swift
/// let decoder = FeedDecoder(format: .auto)
/// let content = try decoder.decode(frame: bytes, receivedAt: nowMilliseconds)
/// for event in content.events { … }
/// ```
public struct FeedDecoder: Sendable {
    public let format: FeedFormat
    public let native: EventDecoder
    private let senml: SenMLDecoder
    private let ngsi: NGSILDDecoder

    /// - Parameters:
    ///   - catalogue: the kinds and measurements accepted (``Pipeline``'s, via
    ///     ``MeasurementCatalogue/init(kinds:measurements:)``).
    ///   - mapping: overrides for SenML names and NGSI-LD models.
    public init(format: FeedFormat = .auto, maxFrameBytes: Int = 64 * 1024, catalogue: MeasurementCatalogue = .builtIn,
                mapping: FeedMapping = FeedMapping()) {
        self.format = format
        self.native = EventDecoder(maxFrameBytes: maxFrameBytes, kinds: catalogue.kinds)
        self.senml = SenMLDecoder(catalogue: catalogue, mapping: mapping)
        self.ngsi = NGSILDDecoder(catalogue: catalogue, mapping: mapping)
    }

    /// The same decoder reading `format`.
    public func reading(_ format: FeedFormat) -> FeedDecoder {
        FeedDecoder(format: format, native: native, senml: senml, ngsi: ngsi)
    }

    private init(format: FeedFormat, native: EventDecoder, senml: SenMLDecoder, ngsi: NGSILDDecoder) {
        self.format = format
        self.native = native
        self.senml = senml
        self.ngsi = ngsi
    }

    /// Decodes one frame, checked against an optional topic frame (every event must agree with it).
    /// - Parameter receivedAt: when the frame arrived (Unix ms), for SenML's relative times;
    ///   `nil` for a file, whose SenML times must then be absolute.
    public func decode(frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer? = nil, receivedAt: Int64? = nil) throws(FrameRejection) -> FrameContent {
        try decode(frame: frame, topic: topic, receivedAt: receivedAt, shapes: nil)
    }

    /// Decodes one frame like ``decode(frame:topic:receivedAt:)``, a native one first against
    /// the layouts of the frames `shapes` has seen (``FrameShapes``); the content or the
    /// rejection is the same. `shapes` belongs to the calling thread.
    public func decode(frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer? = nil, receivedAt: Int64? = nil,
                       shapes: inout FrameShapes) throws(FrameRejection) -> FrameContent {
        try withUnsafeMutablePointer(to: &shapes) { shapes throws(FrameRejection) in
            try decode(frame: frame, topic: topic, receivedAt: receivedAt, shapes: shapes)
        }
    }

    private func decode(frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer?, receivedAt: Int64?,
                        shapes: UnsafeMutablePointer<FrameShapes>?) throws(FrameRejection) -> FrameContent {
        guard readsAsNative(frame) else { return try decodeNonNative(frame, topic: topic, receivedAt: receivedAt) }
        do {
            return .event(try native.decode(json: frame, topic: topic, shapes: shapes))
        } catch {
            return try entityInstead(of: frame, topic: topic, nativeError: error)
        }
    }

    /// Decodes one frame like ``decode(frame:topic:receivedAt:)``, appending its events to
    /// `events`; returns the records rejected on their own (none for a native frame).
    ///
    /// The path of bulk input (files, recordings): a native frame's event goes straight into
    /// the array, where taking it out of a ``FrameContent`` copied it (retaining its strings and
    /// readings, released again when the content was dropped).
    public func decode(frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer? = nil, receivedAt: Int64? = nil,
                       appendingTo events: inout [Event]) throws(FrameRejection) -> [FrameRejection] {
        try decode(frame: frame, topic: topic, receivedAt: receivedAt, shapes: nil, appendingTo: &events)
    }

    /// Decodes one frame like ``decode(frame:topic:receivedAt:appendingTo:)``, a native one
    /// first against the layouts `shapes` has seen (``FrameShapes``).
    public func decode(frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer? = nil, receivedAt: Int64? = nil,
                       shapes: inout FrameShapes, appendingTo events: inout [Event]) throws(FrameRejection) -> [FrameRejection] {
        try withUnsafeMutablePointer(to: &shapes) { shapes throws(FrameRejection) in
            try decode(frame: frame, topic: topic, receivedAt: receivedAt, shapes: shapes, appendingTo: &events)
        }
    }

    private func decode(frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer?, receivedAt: Int64?,
                        shapes: UnsafeMutablePointer<FrameShapes>?, appendingTo events: inout [Event]) throws(FrameRejection) -> [FrameRejection] {
        let content: FrameContent
        if readsAsNative(frame) {
            do {
                events.append(try native.decode(json: frame, topic: topic, shapes: shapes))
                return []
            } catch {
                content = try entityInstead(of: frame, topic: topic, nativeError: error)
            }
        } else {
            content = try decodeNonNative(frame, topic: topic, receivedAt: receivedAt)
        }
        events.append(contentsOf: content.events)
        return content.rejected
    }

    /// Whether `frame` is read as a native event first: always in the native format; in the
    /// automatic one, unless it is CBOR or a JSON array (SenML packs, NGSI-LD entity arrays).
    private func readsAsNative(_ frame: UnsafeRawBufferPointer) -> Bool {
        switch format {
        case .native: true
        case .auto: !CBORReader.looksLikeCBOR(frame) && Self.firstByte(frame) != UInt8(ascii: "[")
        case .senml, .ngsiLD: false
        }
    }

    /// A frame that ``readsAsNative(_:)`` leaves out: SenML, NGSI-LD, or (automatic) CBOR or a
    /// JSON array.
    private func decodeNonNative(_ frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer?, receivedAt: Int64?) throws(FrameRejection) -> FrameContent {
        switch format {
        case .senml:
            return try reconciled(try decodeSenML(frame, receivedAt: receivedAt), topic)
        case .ngsiLD:
            return try reconciled(try ngsi.decode(try parseJSON(frame)), topic)
        case .auto where CBORReader.looksLikeCBOR(frame):
            return try reconciled(try decodeSenML(frame, receivedAt: receivedAt), topic)
        case .auto:
            do {
                return try reconciled(try decodeSenML(frame, receivedAt: receivedAt), topic)
            } catch {
                // No record of an NGSI-LD entity array reads as SenML (none has a name);
                // such an array starts with an object that has "id" and "type".
                guard error.reason != .frameTooLarge, case .array(let elements)? = try? JSONValue.parse(json: frame),
                      let first = elements.first, first["id"] != nil, first["type"] != nil else { throw error }
                return try reconciled(try ngsi.decode(.array(elements)), topic)
            }
        case .native:
            preconditionFailure("a frame of the native format is read as native")
        }
    }

    /// A frame the native decoder refused with `nativeError`: in the automatic format, read as
    /// NGSI-LD if it is an entity or notification (only those have a `type`; a native frame
    /// cannot); otherwise `nativeError`.
    private func entityInstead(of frame: UnsafeRawBufferPointer, topic: UnsafeRawBufferPointer?, nativeError: FrameRejection) throws(FrameRejection) -> FrameContent {
        guard format == .auto, nativeError.reason != .frameTooLarge, let root = try? JSONValue.parse(json: frame), root["type"]?.string != nil else {
            throw nativeError
        }
        return try reconciled(try ngsi.decode(root), topic)
    }

    /// Decodes one frame held in arrays.
    public func decode(frame: [UInt8], topic: [UInt8]? = nil, receivedAt: Int64? = nil) throws(FrameRejection) -> FrameContent {
        let result: Result<FrameContent, FrameRejection> = frame.withUnsafeBytes { frameBytes in
            guard let topic else { return Result { () throws(FrameRejection) in try decode(frame: frameBytes, receivedAt: receivedAt) } }
            return topic.withUnsafeBytes { topicBytes in
                Result { () throws(FrameRejection) in try decode(frame: frameBytes, topic: topicBytes, receivedAt: receivedAt) }
            }
        }
        return try result.get()
    }

    private func decodeSenML(_ frame: UnsafeRawBufferPointer, receivedAt: Int64?) throws(FrameRejection) -> FrameContent {
        try checkSize(frame)
        if CBORReader.looksLikeCBOR(frame) {
            return try senml.decode(try CBORReader.parse(frame), cbor: true, receivedAt: receivedAt)
        }
        return try senml.decode(json: frame, receivedAt: receivedAt)
    }

    private func parseJSON(_ frame: UnsafeRawBufferPointer) throws(FrameRejection) -> JSONValue {
        try checkSize(frame)
        return try JSONValue.parse(json: frame)
    }

    private func checkSize(_ frame: UnsafeRawBufferPointer) throws(FrameRejection) {
        guard frame.count <= native.maxFrameBytes else {
            throw FrameRejection(.frameTooLarge, "frame of \(frame.count) bytes exceeds the limit of \(native.maxFrameBytes) bytes")
        }
    }

    /// Each event checked against the topic frame, if there is one.
    private func reconciled(_ content: FrameContent, _ topic: UnsafeRawBufferPointer?) throws(FrameRejection) -> FrameContent {
        guard let topic else { return content }
        if case .converted(var event) = content {
            try FeedTopic.reconcile(topic, with: &event)
            return .converted(event)
        }
        var events = content.events
        for index in events.indices { try FeedTopic.reconcile(topic, with: &events[index]) }
        return .events(events, rejected: content.rejected)
    }

    private static func firstByte(_ frame: UnsafeRawBufferPointer) -> UInt8? {
        var index = frame.count >= 3 && frame[0] == 0xEF && frame[1] == 0xBB && frame[2] == 0xBF ? 3 : 0
        while index < frame.count, frame[index] == 0x20 || frame[index] == 0x0A || frame[index] == 0x0D || frame[index] == 0x09 { index += 1 }
        return index < frame.count ? frame[index] : nil
    }
}
