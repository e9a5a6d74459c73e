import Foundation
import Yams

// Correlation rules: rules over other rules' alerts in a district.
extension PipelineFileReader {
    mutating func correlation(_ node: Node) -> CorrelationRule? {
        guard let mapping = node.mapping else { return nil }
        let before = diagnostics.count
        checkKeys(mapping, allowed: PipelineVocabulary.correlationFields, in: "correlation rule")
        let name = required(mapping["name"], field: "name", in: node, context: "rule")
        let context = name.map { "correlation '\($0)'" } ?? "correlation"
        let department = required(mapping["department"], field: "department", in: node, context: context)
        let severity = self.severity(mapping["severity"]) ?? .warning
        var pattern: CorrelationRule.Pattern?
        if let allNode = mapping["all_of"] {
            let names = list(allNode, field: "all_of", item: "rule name").compactMap { string($0, field: "all_of") }
            if names.count < 2 { error(at: allNode, "'all_of' needs at least two rule names") } else { pattern = .allOf(names) }
            if mapping["of"] != nil || mapping["at_least"] != nil { error(at: node, "\(context): give 'all_of', or 'at_least' with 'of', not both") }
        } else if let ofNode = mapping["of"], let rule = string(ofNode, field: "of") {
            if let least = mapping["at_least"].flatMap({ count($0, field: "at_least", in: node, context: context) }) {
                pattern = .atLeast(least, of: rule)
            } else if mapping["at_least"] == nil {
                error(at: node, "\(context) needs 'at_least: <count>' with 'of'")
            }
        } else {
            error(at: node, "\(context) needs 'all_of: [rule, rule, …]' or 'at_least: <count>' with 'of: <rule>'")
        }
        var suppress = false
        if let suppressNode = mapping["suppress_members"] {
            switch suppressNode.scalar?.string {
            case "true"?: suppress = true
            case "false"?: suppress = false
            default: error(at: suppressNode, "'suppress_members' must be true or false")
            }
        }
        // Correlation messages can name fields only: they aggregate no events.
        var compiler = ExpressionCompiler(kind: .traffic)
        let message = template(mapping["message"], field: "message", default: "{rule} in {district}: {sensors}", parent: node, compiler: &compiler)
        var resolveMessage: MessageTemplate?
        if mapping["resolve_message"] != nil {
            resolveMessage = template(mapping["resolve_message"], field: "resolve_message", default: "", parent: node, compiler: &compiler)
        }
        if !compiler.slots.isEmpty { error(at: mapping["message"] ?? node, "a correlation message cannot use aggregates, only fields such as {district} and {sensors}") }
        guard diagnostics.count == before, let name, let department, let pattern, let message else { return nil }
        return CorrelationRule(name: name, description: string(mapping["description"], field: "description"), pattern: pattern,
                               suppressMembers: suppress, severity: severity, department: department, message: message, resolveMessage: resolveMessage)
    }
}
