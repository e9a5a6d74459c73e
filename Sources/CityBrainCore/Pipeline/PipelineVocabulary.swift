/// The field names of the pipeline language, in one place: the loader checks files against them,
/// and a test checks `docs/pipeline.schema.json` against them.
public enum PipelineVocabulary {
    public static let topLevelFields = ["name", "timezone", "watermark", "state", "departments", "kinds", "measurements", "rules", "outputs"]
    public static let ruleKinds = ["threshold", "sustained", "rate", "stuck", "prediction", "outlier", "anomaly", "silent", "correlation"]
    /// Fields every rule kind but `correlation` takes.
    public static let commonRuleFields = ["name", "kind", "description", "match", "key_by", "severity", "escalate", "cooldown", "department",
                                          "max_open", "message", "resolve_message"]
    /// Fields each kind adds to the common ones.
    public static let kindFields: [String: [String]] = [
        "threshold": ["window", "when", "clear_when"],
        "sustained": ["window", "when", "clear_when", "for"],
        "rate": ["window", "over", "field", "above", "below"],
        "stuck": ["field", "fields", "readings", "for", "when"],
        "prediction": ["window", "over", "value", "horizon", "reaches", "falls_below", "when"],
        "outlier": ["window", "value", "baseline", "alpha", "history", "z", "clear_z", "warmup", "direction"],
        "anomaly": ["value", "direction", "z", "clear_z", "min_spread", "seasonal"],
        "silent": ["after", "intervals", "gaps", "at_least", "at_most"],
    ]
    /// Fields of an anomaly rule's `seasonal:` mapping.
    public static let seasonalFields = ["learn", "slot", "min_days"]
    /// Fields of one declared kind under `kinds:`.
    public static let kindDeclarationFields = ["description", "measurements"]
    /// Fields of one declared measurement under `measurements: <kind>:`.
    public static let measurementFields = ["unit", "range", "description"]
    public static let correlationFields = ["name", "kind", "description", "all_of", "at_least", "of", "suppress_members", "severity",
                                           "department", "message", "resolve_message"]
    public static let outputFields = ["name", "description", "match", "key_by", "window", "aggregates"]
}
