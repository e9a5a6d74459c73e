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
/// outputs:
///   - name: speed-5m
///     match: { kind: traffic }
///     window: { sliding: { size: 5m, slide: 1m } }
///     aggregates: [mean(speed_kmh), p95(speed_kmh)]
/// ```
///
/// Several files load together: their rules and outputs are concatenated in order, names must be
/// unique across them, and at most one may set `watermark` or `state`. The language is documented
/// in `docs/pipeline-language.md`.
public enum PipelineLoader {
    /// Loads one or more files as one pipeline.
    public static func load(_ sources: [PipelineSource]) throws(PipelineErrors) -> Pipeline {
        var reader = Reader()
        var pipeline = Pipeline(rules: [])
        var names: [String: Diagnostic] = [:]
        var settingsFrom: [String: String] = [:]
        var pipelineNames: [String] = []
        for source in sources {
            reader.file = source.name
            guard let document = reader.compose(source) else { continue }
            guard let top = document.mapping else {
                reader.error(at: document, "a pipeline file must be a mapping with 'rules:' and/or 'outputs:'")
                continue
            }
            reader.checkKeys(top, allowed: ["name", "watermark", "state", "rules", "outputs"], in: "the pipeline")
            if let name = reader.string(top["name"], field: "name") { pipelineNames.append(name) }
            for setting in ["watermark", "state"] {
                guard let node = top[setting] else { continue }
                if let first = settingsFrom[setting] {
                    reader.error(at: node, "'\(setting)' is already set in \(first); set it in one file only")
                    continue
                }
                settingsFrom[setting] = source.name
                if setting == "watermark" {
                    if let policy = reader.watermark(node) { pipeline.watermark = policy }
                } else if let ttl = reader.state(node) {
                    pipeline.keyTTL = ttl
                }
            }
            if top["rules"] == nil && top["outputs"] == nil {
                reader.error(at: document, "missing 'rules:' (a list of rules) or 'outputs:' (a list of window outputs)")
            }
            func register(_ name: String, at node: Node) -> Bool {
                if let previous = names[name] {
                    reader.error(at: node, "name '\(name)' is already used at \(previous.file):\(previous.line)")
                    return false
                }
                names[name] = reader.diagnostic(at: node, "")
                return true
            }
            for ruleNode in reader.list(top["rules"], field: "rules", item: "rule") {
                guard let rule = reader.rule(ruleNode), register(rule.name, at: ruleNode["name"] ?? ruleNode) else { continue }
                pipeline.rules.append(rule)
            }
            for outputNode in reader.list(top["outputs"], field: "outputs", item: "output") {
                guard let output = reader.output(outputNode), register(output.name, at: outputNode["name"] ?? outputNode) else { continue }
                pipeline.outputs.append(output)
            }
        }
        if reader.diagnostics.isEmpty && pipeline.rules.isEmpty && pipeline.outputs.isEmpty {
            reader.diagnostics.append(Diagnostic(file: sources.first?.name ?? "<none>", line: 1, column: 1, message: "the pipeline has no rules and no outputs"))
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

    static let ruleKeys = ["name", "description", "match", "key_by", "window", "when", "clear_when", "severity", "department", "message", "resolve_message"]
    static let outputKeys = ["name", "description", "match", "key_by", "window", "aggregates"]
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

    // MARK: Settings

    mutating func list(_ node: Node?, field: String, item: String) -> [Node] {
        guard let node else { return [] }
        guard let sequence = node.sequence else {
            error(at: node, "'\(field)' must be a list of \(item)s, each starting with '- name:'")
            return []
        }
        return Array(sequence)
    }

    mutating func watermark(_ node: Node) -> WatermarkPolicy? {
        guard let mapping = mapping(node, field: "watermark") else { return nil }
        checkKeys(mapping, allowed: ["max_out_of_orderness", "idle_timeout", "sources"], in: "watermark")
        var policy = WatermarkPolicy()
        if let bound = duration(mapping["max_out_of_orderness"], field: "max_out_of_orderness", allowZero: true) { policy.maxOutOfOrderness = bound }
        if let idle = duration(mapping["idle_timeout"], field: "idle_timeout") { policy.idleTimeout = idle }
        if let sourcesNode = mapping["sources"], let sources = self.mapping(sourcesNode, field: "sources") {
            for (key, value) in sources {
                let name = key.scalar?.string ?? ""
                guard let kind = EventKind(rawValue: name) else {
                    let kinds = EventKind.allCases.map(\.rawValue)
                    error(at: key, "unknown source '\(name)'\(Suggestion.hint(for: name, in: kinds)) (sources are feed kinds: \(kinds.joined(separator: ", ")))")
                    continue
                }
                if let settings = value.mapping {
                    checkKeys(settings, allowed: ["max_out_of_orderness"], in: "source '\(name)'")
                    if let bound = duration(settings["max_out_of_orderness"], field: "max_out_of_orderness", allowZero: true) {
                        policy.sources[kind] = bound
                    } else if settings["max_out_of_orderness"] == nil {
                        error(at: value, "source '\(name)' needs 'max_out_of_orderness: <duration>'")
                    }
                } else if let bound = duration(value, field: name, allowZero: true) {
                    policy.sources[kind] = bound
                }
            }
            if sources.isEmpty { error(at: sourcesNode, "'sources' is empty; remove it or give a bound per feed kind") }
        }
        return policy
    }

    /// The key TTL: a duration, or `none` to keep keys forever (`nil` means "not given").
    mutating func state(_ node: Node) -> Int64?? {
        guard let mapping = mapping(node, field: "state") else { return nil }
        checkKeys(mapping, allowed: ["key_ttl"], in: "state")
        guard let ttlNode = mapping["key_ttl"] else { return nil }
        if ttlNode.scalar?.string == "none" { return .some(nil) }
        return duration(ttlNode, field: "key_ttl").map { .some($0) }
    }

    // MARK: Rules and outputs

    /// What rules and outputs share: name, match, key_by, window. Returns `nil` (with errors
    /// reported) if any is missing or wrong.
    mutating func header(_ mapping: Node.Mapping, node: Node, context kind: String) -> (name: String, filter: EventFilter?, keyBy: TextField, window: WindowPolicy?)? {
        let name = required(mapping["name"], field: "name", in: node, context: kind)
        if let name, let nameNode = mapping["name"],
           !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) {
            error(at: nameNode, "\(kind) name '\(name)' may use only a-z, 0-9, '-', '_' and '.'")
        }
        let context = name.map { "\(kind) '\($0)'" } ?? kind
        let filter = eventFilter(mapping["match"], parent: node, context: context)
        var keyBy = TextField.sensor
        if let keyNode = mapping["key_by"], let text = string(keyNode, field: "key_by") {
            if let field = TextField(rawValue: text) {
                keyBy = field
            } else {
                let fields = TextField.allCases.map(\.rawValue)
                error(at: keyNode, "unknown key '\(text)'\(Suggestion.hint(for: text, in: fields)) (key_by is one of \(fields.joined(separator: ", ")))")
            }
        }
        let window = windowPolicy(mapping["window"], parent: node, context: context)
        guard let name else { return nil }
        return (name, filter, keyBy, window)
    }

    mutating func rule(_ node: Node) -> Rule? {
        guard let mapping = node.mapping else {
            error(at: node, "each rule must be a mapping starting with 'name:'")
            return nil
        }
        let before = diagnostics.count
        checkKeys(mapping, allowed: Self.ruleKeys, in: "rule")
        let header = header(mapping, node: node, context: "rule")
        let context = header.map { "rule '\($0.name)'" } ?? "rule"
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

        guard let filter = header?.filter, let whenText, let whenNode = mapping["when"] else {
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
        let message = template(mapping["message"], field: "message", default: Self.defaultMessage, parent: node, compiler: &compiler)
        var resolveMessage: MessageTemplate?
        if mapping["resolve_message"] != nil {
            resolveMessage = template(mapping["resolve_message"], field: "resolve_message", default: "", parent: node, compiler: &compiler)
        }
        guard diagnostics.count == before, let header, let window = header.window, let department, let condition, let message else { return nil }
        let aggregation = Aggregation(name: header.name, filter: filter, keyBy: header.keyBy, window: window,
                                      inputs: compiler.inputs, slots: compiler.slots)
        return Rule(aggregation: aggregation, description: description, condition: condition, clearCondition: clearCondition,
                    severity: severity, department: department, message: message, resolveMessage: resolveMessage)
    }

    mutating func output(_ node: Node) -> WindowOutput? {
        guard let mapping = node.mapping else {
            error(at: node, "each output must be a mapping starting with 'name:'")
            return nil
        }
        let before = diagnostics.count
        checkKeys(mapping, allowed: Self.outputKeys, in: "output")
        let header = header(mapping, node: node, context: "output")
        let description = string(mapping["description"], field: "description")
        let context = header.map { "output '\($0.name)'" } ?? "output"
        guard let aggregatesNode = mapping["aggregates"] else {
            error(at: node, "\(context) is missing required field 'aggregates' (e.g. aggregates: [mean(speed_kmh), p95(speed_kmh)])")
            return nil
        }
        let items = list(aggregatesNode, field: "aggregates", item: "aggregate")
        guard let filter = header?.filter else { return nil }
        var compiler = ExpressionCompiler(kind: filter.kind)
        _ = try? compiler.numeric(.call("count", arguments: [], at: 0))  // slot 0: the window's event count
        for item in items {
            guard let text = string(item, field: "aggregates") else { continue }
            do throws(ExpressionError) {
                let tree = try ExpressionParser.parse(text)
                guard case .call = tree else {
                    throw ExpressionError("an output aggregate must be an aggregate call such as mean(speed_kmh), found '\(tree.canonical)'", at: 0)
                }
                _ = try compiler.numeric(tree)
            } catch {
                self.error(at: item, error.message, columnOffset: offset(error.offset, in: item))
            }
        }
        if items.isEmpty { error(at: aggregatesNode, "'aggregates' must list at least one aggregate") }
        guard diagnostics.count == before, let header, let window = header.window else { return nil }
        let aggregation = Aggregation(name: header.name, filter: filter, keyBy: header.keyBy, window: window,
                                      inputs: compiler.inputs, slots: compiler.slots)
        return WindowOutput(aggregation: aggregation, description: description)
    }

    mutating func template(_ node: Node?, field: String, default text: String, parent: Node, compiler: inout ExpressionCompiler) -> MessageTemplate? {
        let source = string(node, field: field) ?? text
        do throws(ExpressionError) {
            return try MessageTemplate.parse(source, compiler: &compiler)
        } catch {
            self.error(at: node ?? parent, "in \(field): \(error.message)", columnOffset: offset(error.offset, in: node))
            return nil
        }
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

    mutating func windowPolicy(_ node: Node?, parent: Node, context: String) -> WindowPolicy? {
        guard let node else {
            error(at: parent, "\(context) is missing required field 'window' (e.g. window: { tumbling: 1m })")
            return nil
        }
        guard let mapping = mapping(node, field: "window") else { return nil }
        let kinds = ["tumbling", "sliding", "session"]
        checkKeys(mapping, allowed: kinds + ["allowed_lateness"], in: "window")
        let given = kinds.filter { mapping[$0] != nil }
        guard given.count == 1 else {
            error(at: node, given.isEmpty
                ? "window needs one of 'tumbling: <duration>', 'sliding: { size: <duration>, slide: <duration> }' or 'session: { gap: <duration> }'"
                : "window has both '\(given[0])' and '\(given[1])'; give one")
            return nil
        }
        let lateness = mapping["allowed_lateness"].flatMap { duration($0, field: "allowed_lateness", allowZero: true) } ?? 0
        switch given[0] {
        case "tumbling":
            return duration(mapping["tumbling"], field: "tumbling").map { WindowPolicy(.tumbling(size: $0), allowedLateness: lateness) }
        case "sliding":
            guard let slidingNode = mapping["sliding"], let sliding = self.mapping(slidingNode, field: "sliding") else { return nil }
            checkKeys(sliding, allowed: ["size", "slide"], in: "sliding window")
            guard let size = duration(sliding["size"], field: "size"), let slide = duration(sliding["slide"], field: "slide") else {
                if sliding["size"] == nil || sliding["slide"] == nil { error(at: slidingNode, "a sliding window needs 'size' and 'slide', e.g. { size: 5m, slide: 1m }") }
                return nil
            }
            guard slide <= size else {
                error(at: sliding["slide"] ?? slidingNode, "slide \(DurationText.format(slide)) is longer than size \(DurationText.format(size)); events between windows would be lost")
                return nil
            }
            guard size / PaneWindowOperator.gcd(size, slide) <= 1_000 else {
                error(at: slidingNode, "size \(DurationText.format(size)) and slide \(DurationText.format(slide)) need more than 1000 panes per window; make the slide divide the size")
                return nil
            }
            return WindowPolicy(.sliding(size: size, slide: slide), allowedLateness: lateness)
        default:
            guard let sessionNode = mapping["session"], let session = self.mapping(sessionNode, field: "session") else { return nil }
            checkKeys(session, allowed: ["gap", "max_length"], in: "session window")
            guard let gap = duration(session["gap"], field: "gap") else {
                if session["gap"] == nil { error(at: sessionNode, "a session window needs 'gap', e.g. { gap: 2m }") }
                return nil
            }
            var maxLength: Int64?
            if let maxNode = session["max_length"] {
                guard let value = duration(maxNode, field: "max_length") else { return nil }
                maxLength = value
            }
            return WindowPolicy(.session(gap: gap, maxLength: maxLength), allowedLateness: lateness)
        }
    }
}
