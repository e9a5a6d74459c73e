/// The field names of the pipeline language, in one place: the loader checks files against them,
/// and a test checks `docs/pipeline.schema.json` against them.
public enum PipelineVocabulary {
    public static let topLevelFields = ["name", "watermark", "state", "departments", "rules", "outputs"]
    public static let ruleKinds = ["threshold", "sustained", "rate", "stuck", "prediction", "outlier", "silent", "correlation"]
    /// Fields every rule kind but `correlation` takes.
    public static let commonRuleFields = ["name", "kind", "description", "match", "key_by", "severity", "escalate", "cooldown", "department",
                                          "message", "resolve_message"]
    /// Fields each kind adds to the common ones.
    public static let kindFields: [String: [String]] = [
        "threshold": ["window", "when", "clear_when"],
        "sustained": ["window", "when", "clear_when", "for"],
        "rate": ["window", "field", "above", "below"],
        "stuck": ["field", "for", "every"],
        "prediction": ["window", "value", "horizon", "reaches", "falls_below", "when"],
        "outlier": ["window", "value", "baseline", "alpha", "history", "z", "clear_z", "warmup", "direction"],
        "silent": ["after"],
    ]
    public static let correlationFields = ["name", "kind", "description", "all_of", "at_least", "of", "suppress_members", "severity",
                                           "department", "message", "resolve_message"]
    public static let outputFields = ["name", "description", "match", "key_by", "window", "aggregates"]
}
