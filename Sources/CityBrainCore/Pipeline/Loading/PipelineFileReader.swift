import Foundation
import Yams

/// Walks YAML nodes, collecting diagnostics instead of stopping at the first.
struct PipelineFileReader {
    var file = ""
    var diagnostics: [Diagnostic] = []
    /// Measurements declared so far, by kind.
    var declared: [EventKind: Set<String>] = [:]
    /// The built-in kinds and those declared so far (`kinds:`).
    var knownKinds = EventKind.builtIn
    /// The pipeline's time zone, for seasonal profiles.
    var timeZone = LocalTimeZone.utc

    static let commonRuleKeys = PipelineVocabulary.commonRuleFields
    static let kindKeys = PipelineVocabulary.kindFields
    static let ruleKinds = PipelineVocabulary.ruleKinds
    static let outputKeys = PipelineVocabulary.outputFields
    static let defaultMessage = "{rule} on {sensor} ({district}): {value} against threshold {threshold}"

    mutating func compose(_ source: PipelineSource) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: source.text) else {
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "the file is empty"))
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                diagnostics.append(Diagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)"))
            default:
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)"))
            }
        } catch {
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)"))
        }
        return nil
    }

    /// The known kind `name` names, or an error at `node` that lists the known ones (with a
    /// "did you mean" when one is close) and says where it was used.
    mutating func knownKind(_ name: String, at node: Node, usedIn place: String) -> EventKind? {
        if let kind = EventKind(rawValue: name), knownKinds.contains(kind) { return kind }
        let names = knownKinds.map(\.rawValue)
        error(at: node, "unknown kind '\(name)' \(place)\(Suggestion.hint(for: name, in: names)) (kinds: \(names.joined(separator: ", ")); declare others under 'kinds:')")
        return nil
    }

    func diagnostic(at node: Node, _ message: String, columnOffset: Int = 0) -> Diagnostic {
        let mark = node.mark
        return Diagnostic(file: file, line: mark?.line ?? 1, column: (mark?.column ?? 1) + columnOffset, message: message)
    }

    mutating func error(at node: Node, _ message: String, columnOffset: Int = 0) {
        diagnostics.append(diagnostic(at: node, message, columnOffset: columnOffset))
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], in context: String) {
        for (key, _) in mapping {
            guard let name = key.scalar?.string else {
                error(at: key, "keys in \(context) must be plain names")
                continue
            }
            if !allowed.contains(name) {
                error(at: key, "unknown field '\(name)' in \(context)\(Suggestion.hint(for: name, in: allowed)) (expected one of \(allowed.joined(separator: ", ")))")
            }
        }
    }

    mutating func mapping(_ node: Node?, field: String) -> Node.Mapping? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            error(at: node, "'\(field)' must be a mapping of fields")
            return nil
        }
        return mapping
    }

    mutating func string(_ node: Node?, field: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else {
            error(at: node, "'\(field)' must be text, not a \(node.mapping != nil ? "mapping" : "list")")
            return nil
        }
        return scalar.string
    }

    mutating func required(_ node: Node?, field: String, in parent: Node, context: String) -> String? {
        guard let node else {
            error(at: parent, "\(context) is missing required field '\(field)'")
            return nil
        }
        guard let value = string(node, field: field), !value.trimmingWhitespace.isEmpty else {
            if node.scalar != nil { error(at: node, "'\(field)' must not be empty") }
            return nil
        }
        return value
    }

    mutating func duration(_ node: Node?, field: String, allowZero: Bool = false) -> Int64? {
        guard let text = string(node, field: field), let node else { return nil }
        guard let value = DurationText.milliseconds(text), value > 0 || (allowZero && value == 0) else {
            error(at: node, "'\(field)' must be a duration such as 500ms, 5s, 1m or 1h, found '\(text)'")
            return nil
        }
        return value
    }

    mutating func list(_ node: Node?, field: String, item: String) -> [Node] {
        guard let node else { return [] }
        guard let sequence = node.sequence else {
            error(at: node, "'\(field)' must be a list of \(item)s, each starting with '- name:'")
            return []
        }
        return Array(sequence)
    }

    mutating func number(_ node: Node?, field: String) -> Double? {
        guard let node, let text = string(node, field: field) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(at: node, "'\(field)' must be a number, found '\(text)'")
            return nil
        }
        return value
    }

    mutating func count(_ node: Node?, field: String, in parent: Node, context: String) -> Int? {
        guard let node, let text = string(node, field: field) else { return nil }
        guard let value = Int(text), value >= 1, value <= 1_000_000 else {
            error(at: node, "'\(field)' must be a whole number of at least 1, found '\(text)'")
            return nil
        }
        return value
    }

    /// Reports a missing field; always `nil`, for use after `??`.
    mutating func missing<T>(_ field: String, in node: Node, context: String) -> T? {
        error(at: node, "\(context) is missing required field '\(field)'")
        return nil
    }

    /// Column offset of character `offset` of a scalar's value from the scalar's mark: quoted
    /// scalars start one column after their quote. Block scalars point at the indicator.
    func offset(_ offset: Int, in node: Node?) -> Int {
        switch node?.scalar?.style {
        case .singleQuoted?, .doubleQuoted?: offset + 1
        case .plain?: offset
        default: 0
        }
    }
}
