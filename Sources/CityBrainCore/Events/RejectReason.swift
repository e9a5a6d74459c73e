/// Why a feed frame was rejected. Each reason has its own counter and a stable label used in
/// metrics, logs and the dead-letter stream.
public enum RejectReason: String, Sendable, CaseIterable, Codable, Hashable {
    /// Not well-formed JSON (native: not a single JSON object).
    case malformedJSON = "malformed_json"
    /// `kind`, `sensor` or `ts` is absent.
    case missingField = "missing_field"
    /// A field has the wrong JSON type (e.g. a measurement given as a string).
    case wrongType = "wrong_type"
    /// `NaN`, `Infinity`, or a number too large for a double.
    case nonFinite = "non_finite"
    /// A value outside its physical range, a timestamp outside 2000–2100, an over-long sensor id.
    case outOfRange = "out_of_range"
    /// Not a well-formed CBOR item (SenML CBOR).
    case malformedCBOR = "malformed_cbor"
    /// A SenML or NGSI-LD unit CityBrain cannot convert to the measurement's unit.
    case unknownUnit = "unknown_unit"
    /// A SenML name or NGSI-LD entity CityBrain cannot map to a kind, sensor and measurement.
    case unknownModel = "unknown_model"
    /// `kind` is not one of ``EventKind``.
    case unknownKind = "unknown_kind"
    /// The JSON frame is larger than the configured limit.
    case frameTooLarge = "frame_too_large"
    /// A message with other than one (JSON) or two (topic, JSON) frames.
    case wrongFrameCount = "wrong_frame_count"
    /// The topic frame is not `<kind>.<district>.<sensor>` or disagrees with the JSON body.
    case topicMismatch = "topic_mismatch"
}
