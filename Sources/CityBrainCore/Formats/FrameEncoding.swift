/// How a sender writes events as frames: the writing side of ``FeedFormat``, for the simulator,
/// `citybrain import` and the benchmarks (`--feed-format`).
public enum FrameEncoding: String, Sendable, CaseIterable, Codable {
    /// CityBrain's own JSON (``EventEncoder``).
    case native
    /// A SenML JSON pack per event (``SenMLEncoder/json(_:catalogue:)``).
    case senml
    /// A SenML CBOR pack per event (``SenMLEncoder/cbor(_:catalogue:)``): binary, so not for
    /// JSON-lines files.
    case senmlCBOR = "senml-cbor"
    /// FIWARE entities in NGSI-LD's normalized form (``NGSILDEncoder``); built-in kinds only.
    case ngsiLD = "ngsi-ld"

    /// The format a receiver reads these frames as.
    public var format: FeedFormat {
        switch self {
        case .native: .native
        case .senml, .senmlCBOR: .senml
        case .ngsiLD: .ngsiLD
        }
    }

    /// Whether frames of this encoding are text that fits on a line of a JSON-lines file.
    public var isText: Bool { self != .senmlCBOR }

    /// The frame for `event`; `nil` when the encoding cannot carry it (NGSI-LD and a declared kind).
    public func encode(_ event: Event, catalogue: MeasurementCatalogue = .builtIn) -> [UInt8]? {
        switch self {
        case .native: Array(EventEncoder.json(event).utf8)
        case .senml: Array(SenMLEncoder.json(event, catalogue: catalogue).utf8)
        case .senmlCBOR: SenMLEncoder.cbor(event, catalogue: catalogue)
        case .ngsiLD: NGSILDEncoder.json(event).map { Array($0.utf8) }
        }
    }

    /// The frames of `events` as JSON lines (a text encoding only); events the encoding cannot
    /// carry are left out.
    public func jsonLines(_ events: some Sequence<Event>, catalogue: MeasurementCatalogue = .builtIn) -> [UInt8] {
        precondition(isText, "\(rawValue) frames are binary")
        var lines: [UInt8] = []
        for event in events {
            guard let frame = encode(event, catalogue: catalogue) else { continue }
            lines += frame
            lines.append(0x0A)
        }
        return lines
    }
}
