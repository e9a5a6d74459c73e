/// Why a feed frame was rejected. Each reason has its own counter and a stable label used in
/// metrics, logs and the dead-letter stream.
public enum RejectReason: String, Sendable, CaseIterable, Codable, Hashable {
    /// Not a single well-formed JSON object.
    case malformedJSON = "malformed_json"
    /// `kind`, `sensor` or `ts` is absent.
    case missingField = "missing_field"
    /// A field has the wrong JSON type (e.g. a measurement given as a string).
    case wrongType = "wrong_type"
    /// `NaN`, `Infinity`, or a number too large for a double.
    case nonFinite = "non_finite"
    /// A value outside its physical range, a timestamp outside 2000–2100, an over-long sensor id.
    case outOfRange = "out_of_range"
    /// `kind` is not one of ``EventKind``.
    case unknownKind = "unknown_kind"
    /// The JSON frame is larger than the configured limit.
    case frameTooLarge = "frame_too_large"
    /// A message with other than one (JSON) or two (topic, JSON) frames.
    case wrongFrameCount = "wrong_frame_count"
    /// The topic frame is not `<kind>.<district>.<sensor>` or disagrees with the JSON body.
    case topicMismatch = "topic_mismatch"
}
