/// The wire formats a feed may speak (`--feed-format`, see `docs/feed-formats.md`).
public enum FeedFormat: String, Sendable, CaseIterable, Codable {
    /// Told by content, frame by frame: CBOR → SenML; a JSON array → SenML, or NGSI-LD when its
    /// first element is an object with `id` and `type`; a JSON object → native, or NGSI-LD when
    /// it has `type` (which no native frame can carry). Never ambiguous.
    case auto
    /// CityBrain's own JSON (`docs/wire-format.md`): the fastest.
    case native
    /// SenML (RFC 8428), JSON or CBOR, told apart by the first byte.
    case senml
    /// FIWARE Smart Data Models as NGSI-LD entities, normalized or keyValues, bare, in an array,
    /// or in a notification.
    case ngsiLD = "ngsi-ld"
}
