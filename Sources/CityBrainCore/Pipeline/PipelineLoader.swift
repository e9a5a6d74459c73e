import Yams

/// Reads pipeline files (YAML) into a checked ``Pipeline``, or reports **every** problem with
/// file, line and column, and a suggestion where a name looks misspelt.
///
/// ```yaml
/// name: city
/// watermark:
///   max_out_of_orderness: 5s
/// rules:
///   - name: traffic-congestion
///     match: { kind: traffic }
///     window: { tumbling: 1m }
///     when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
///     severity: warning
///     department: traffic-police
///     message: "Congestion on {sensor}: {mean(speed_kmh)} km/h"
/// ```
///
/// Several files load together: their rules are concatenated in order, rule names must be unique
/// across them, and at most one may set `watermark`. The language is documented in
/// `docs/pipeline-language.md`.
public enum PipelineLoader {
    /// Loads one or more files as one pipeline.
    public static func load(_ sources: [PipelineSource]) throws(PipelineErrors) -> Pipeline {
        var reader = Reader()
        var pipeline = Pipeline(rules: [])
        var names: [String: Diagnostic] = [:]
        var watermarkSetBy: String?
        var pipelineNames: [String] = []
        for source in sources {
            reader.file = source.name
            guard let document = reader.compose(source) else { continue }
            guard let top = document.mapping else {
                reader.error(at: document, "a pipeline file must be a mapping with 'rules:' (and optionally 'name:' and 'watermark:')")
                continue
            }
            reader.checkKeys(top, allowed: ["name", "watermark", "rules"], in: "the pipeline")
            if let name = reader.string(top["name"], field: "name") { pipelineNames.append(name) }
            if let watermark = top["watermark"] {
                if let first = watermarkSetBy {
                    reader.error(at: watermark, "'watermark' is already set in \(first); set it in one file only")
                } else if let mapping = reader.mapping(watermark, field: "watermark") {
                    watermarkSetBy = source.name
                    reader.checkKeys(mapping, allowed: ["max_out_of_orderness"], in: "watermark")
                    if let value = reader.duration(mapping["max_out_of_orderness"], field: "max_out_of_orderness", allowZero: true) {
                        pipeline.maxOutOfOrderness = value
                    }
                }
            }
            guard let rulesNode = top["rules"] else {
                reader.error(at: document, "missing 'rules:' (a list of rules)")
                continue
            }
            guard let rules = rulesNode.sequence else {
                reader.error(at: rulesNode, "'rules' must be a list of rules, each starting with '- name:'")
                continue
            }
            for ruleNode in rules {
                guard let rule = reader.rule(ruleNode) else { continue }
                let here = reader.diagnostic(at: ruleNode["name"] ?? ruleNode, "")
                if let previous = names[rule.name] {
                    reader.error(at: ruleNode["name"] ?? ruleNode, "rule name '\(rule.name)' is already used at \(previous.file):\(previous.line)")
                } else {
                    names[rule.name] = here
                    pipeline.rules.append(rule)
                }
            }
        }
        if reader.diagnostics.isEmpty && pipeline.rules.isEmpty {
            reader.diagnostics.append(Diagnostic(file: sources.first?.name ?? "<none>", line: 1, column: 1, message: "the pipeline has no rules"))
        }
        guard reader.diagnostics.isEmpty else {
            let order = Dictionary(sources.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
            throw PipelineErrors(reader.diagnostics.enumerated().sorted { a, b in
                let (x, y) = (a.element, b.element)
                if x.file != y.file { return (order[x.file] ?? 0) < (order[y.file] ?? 0) }
                if x.line != y.line { return x.line < y.line }
                if x.column != y.column { return x.column < y.column }
                return a.offset < b.offset
            }.map(\.element))
        }
        pipeline.name = pipelineNames.first ?? "pipeline"
        return pipeline
    }

    /// Loads a single file's text.
    public static func load(yaml: String, file: String = "<pipeline>") throws(PipelineErrors) -> Pipeline {
        try load([PipelineSource(name: file, text: yaml)])
    }
}

/// Walks YAML nodes, collecting diagnostics instead of stopping at the first.
private struct Reader {
    var file = ""
    var diagnostics: [Diagnostic] = []

    static let ruleKeys = ["name", "description", "match", "window", "when", "clear_when", "severity", "department", "message", "resolve_message"]
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

    // MARK: Rules

    mutating func rule(_ node: Node) -> Rule? {
        guard let mapping = node.mapping else {
            error(at: node, "each rule must be a mapping starting with 'name:'")
            return nil
        }
        let before = diagnostics.count
        checkKeys(mapping, allowed: Self.ruleKeys, in: "rule")
        let name = required(mapping["name"], field: "name", in: node, context: "rule")
        let context = name.map { "rule '\($0)'" } ?? "rule"
        if let name, let nameNode = mapping["name"],
           !name.unicodeScalars.allSatisfy({ ($0.properties.isLowercase || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) && $0.isASCII }) {
            error(at: nameNode, "rule name '\(name)' may use only a-z, 0-9, '-', '_' and '.'")
        }
        let filter = eventFilter(mapping["match"], parent: node, context: context)
        let window = tumblingWindow(mapping["window"], parent: node, context: context)
        let department = required(mapping["department"], field: "department", in: node, context: context)
        if let department, let departmentNode = mapping["department"], department.contains(".") || department.contains(" ") {
            error(at: departmentNode, "department '\(department)' must not contain '.' or spaces: it is part of the topic alert.<department>.<severity>")
        }
        var severity = Severity.warning
        if let text = string(mapping["severity"], field: "severity"), let severityNode = mapping["severity"] {
            if let parsed = Severity(rawValue: text) {
                severity = parsed
            } else {
                let names = Severity.allCases.map(\.rawValue)
                error(at: severityNode, "unknown severity '\(text)'\(Suggestion.hint(for: text, in: names)) (expected one of \(names.joined(separator: ", ")))")
            }
        }
        let description = string(mapping["description"], field: "description")
        let whenText = required(mapping["when"], field: "when", in: node, context: context)

        guard let filter, let whenText, let whenNode = mapping["when"] else {
            // Without a valid kind the fields cannot be checked, but the syntax still can.
            for field in ["when", "clear_when"] {
                if let node = mapping[field], let text = node.scalar?.string {
                    do throws(ExpressionError) { _ = try ExpressionParser.parse(text) } catch {
                        self.error(at: node, error.message, columnOffset: offset(error.offset, in: node))
                    }
                }
            }
            return nil
        }
        var compiler = ExpressionCompiler(kind: filter.kind)
        let condition = compileCondition(whenText, node: whenNode, compiler: &compiler)
        var clearCondition: Condition?
        if let clearText = string(mapping["clear_when"], field: "clear_when"), let clearNode = mapping["clear_when"] {
            clearCondition = compileCondition(clearText, node: clearNode, compiler: &compiler)
        }
        let messageNode = mapping["message"]
        let messageText = string(messageNode, field: "message") ?? Self.defaultMessage
        var message = MessageTemplate(segments: [])
        do {
            message = try MessageTemplate.parse(messageText, compiler: &compiler)
        } catch {
            self.error(at: messageNode ?? node, "in message: \(error.message)", columnOffset: offset(error.offset, in: messageNode))
        }
        var resolveMessage: MessageTemplate?
        if let resolveNode = mapping["resolve_message"], let text = string(resolveNode, field: "resolve_message") {
            do throws(ExpressionError) {
                resolveMessage = try MessageTemplate.parse(text, compiler: &compiler)
            } catch {
                self.error(at: resolveNode, "in resolve_message: \(error.message)", columnOffset: offset(error.offset, in: resolveNode))
            }
        }
        guard diagnostics.count == before, let name, let window, let department, let condition else { return nil }
        return Rule(
            name: name, description: description, filter: filter, window: window,
            inputs: compiler.inputs, slots: compiler.slots, condition: condition, clearCondition: clearCondition,
            severity: severity, department: department, message: message, resolveMessage: resolveMessage
        )
    }

    mutating func compileCondition(_ text: String, node: Node, compiler: inout ExpressionCompiler) -> Condition? {
        do {
            return try compiler.condition(try ExpressionParser.parse(text))
        } catch {
            self.error(at: node, error.message, columnOffset: offset(error.offset, in: node))
            return nil
        }
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

    mutating func eventFilter(_ node: Node?, parent: Node, context: String) -> EventFilter? {
        guard let node else {
            error(at: parent, "\(context) is missing required field 'match' (e.g. match: { kind: traffic })")
            return nil
        }
        guard let mapping = mapping(node, field: "match") else { return nil }
        checkKeys(mapping, allowed: ["kind", "district", "sensor_prefix"], in: "match")
        guard let kindText = required(mapping["kind"], field: "kind", in: node, context: "match"), let kindNode = mapping["kind"] else {
            return nil
        }
        guard let kind = EventKind(rawValue: kindText) else {
            let kinds = EventKind.allCases.map(\.rawValue)
            error(at: kindNode, "unknown kind '\(kindText)'\(Suggestion.hint(for: kindText, in: kinds)) (expected one of \(kinds.joined(separator: ", ")))")
            return nil
        }
        var filter = EventFilter(kind: kind)
        if let districtNode = mapping["district"] {
            if let list = districtNode.sequence {
                filter.districts = Set(list.compactMap { string($0, field: "district") })
            } else if let one = string(districtNode, field: "district") {
                filter.districts = [one]
            }
        }
        filter.sensorPrefix = string(mapping["sensor_prefix"], field: "sensor_prefix")
        return filter
    }

    mutating func tumblingWindow(_ node: Node?, parent: Node, context: String) -> TumblingWindow? {
        guard let node else {
            error(at: parent, "\(context) is missing required field 'window' (e.g. window: { tumbling: 1m })")
            return nil
        }
        guard let mapping = mapping(node, field: "window") else { return nil }
        for (key, _) in mapping {
            if let name = key.scalar?.string, ["sliding", "session", "size", "slide", "gap"].contains(name) {
                error(at: key, "window kind '\(name)' is not supported yet; use 'tumbling: <duration>'")
                return nil
            }
        }
        checkKeys(mapping, allowed: ["tumbling"], in: "window")
        guard let tumblingNode = mapping["tumbling"] else {
            if mapping.isEmpty { error(at: node, "window needs 'tumbling: <duration>'") }
            return nil
        }
        return duration(tumblingNode, field: "tumbling").map(TumblingWindow.init(size:))
    }
}
