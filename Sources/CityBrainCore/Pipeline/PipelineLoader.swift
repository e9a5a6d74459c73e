import Foundation
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
        var correlationNodes: [Node] = []
        var correlationFiles: [String] = []
        for source in sources {
            reader.file = source.name
            guard let document = reader.compose(source) else { continue }
            guard let top = document.mapping else {
                reader.error(at: document, "a pipeline file must be a mapping with 'rules:' and/or 'outputs:'")
                continue
            }
            reader.checkKeys(top, allowed: PipelineVocabulary.topLevelFields, in: "the pipeline")
            if let name = reader.string(top["name"], field: "name") { pipelineNames.append(name) }
            if let node = top["departments"] {
                for (department, policy) in reader.departments(node) {
                    if department == "default" {
                        pipeline.defaultStorm = policy
                        continue
                    }
                    if pipeline.departments[department] != nil {
                        reader.error(at: node, "department '\(department)' already has a storm limit")
                    }
                    pipeline.departments[department] = policy
                }
            }
            if let node = top["measurements"] {
                for declaration in reader.measurements(node) {
                    pipeline.measurements.append(declaration)
                    reader.declared[declaration.kind, default: []].insert(declaration.name)
                }
            }
            for setting in ["timezone", "watermark", "state"] {
                guard let node = top[setting] else { continue }
                if let first = settingsFrom[setting] {
                    reader.error(at: node, "'\(setting)' is already set in \(first); set it in one file only")
                    continue
                }
                settingsFrom[setting] = source.name
                if setting == "timezone" {
                    if let zone = reader.timeZone(node) {
                        pipeline.timeZone = zone
                        reader.timeZone = zone
                    }
                } else if setting == "watermark" {
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
                if ruleNode["kind"]?.scalar?.string == "correlation" {
                    guard let rule = reader.correlation(ruleNode), register(rule.name, at: ruleNode["name"] ?? ruleNode) else { continue }
                    pipeline.correlations.append(rule)
                    correlationNodes.append(ruleNode)
                    correlationFiles.append(source.name)
                } else {
                    guard let rule = reader.rule(ruleNode), register(rule.name, at: ruleNode["name"] ?? ruleNode) else { continue }
                    pipeline.rules.append(rule)
                }
            }
            for outputNode in reader.list(top["outputs"], field: "outputs", item: "output") {
                guard let output = reader.output(outputNode), register(output.name, at: outputNode["name"] ?? outputNode) else { continue }
                pipeline.outputs.append(output)
            }
        }
        // Correlations name other rules, which may come from any file.
        let ruleNames = Set(pipeline.rules.map(\.name))
        for (index, correlation) in pipeline.correlations.enumerated() {
            reader.file = correlationFiles[index]
            for member in correlation.members where !ruleNames.contains(member) {
                let node = correlationNodes[index]["all_of"] ?? correlationNodes[index]["of"] ?? correlationNodes[index]
                reader.error(at: node, "correlation '\(correlation.name)' names rule '\(member)', which does not exist\(Suggestion.hint(for: member, in: ruleNames))")
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
        pipeline.sources = sources
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
    /// Measurements declared so far, by kind.
    var declared: [EventKind: Set<String>] = [:]
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
    mutating func header(_ mapping: Node.Mapping, node: Node, context kind: String, needsWindow: Bool = true) -> (name: String, filter: EventFilter?, keyBy: TextField, window: WindowPolicy?)? {
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
        let window = needsWindow ? windowPolicy(mapping["window"], parent: node, context: context) : nil
        guard let name else { return nil }
        return (name, filter, keyBy, window)
    }

    mutating func rule(_ node: Node) -> Rule? {
        guard let mapping = node.mapping else {
            error(at: node, "each rule must be a mapping starting with 'name:'")
            return nil
        }
        let before = diagnostics.count
        var kind = "threshold"
        if let kindNode = mapping["kind"], let text = string(kindNode, field: "kind") {
            guard Self.kindKeys[text] != nil else {
                error(at: kindNode, "unknown rule kind '\(text)'\(Suggestion.hint(for: text, in: Self.ruleKinds)) (kinds: \(Self.ruleKinds.joined(separator: ", ")))")
                return nil
            }
            kind = text
        }
        checkKeys(mapping, allowed: Self.commonRuleKeys + Self.kindKeys[kind]!, in: "\(kind) rule")
        // Per-reading rules (stuck, silent, anomaly, and rate or prediction over a span of
        // event time) take no window; the others need one.
        let overNode = mapping["over"]
        if let overNode, mapping["window"] != nil {
            error(at: overNode, "give 'over' (a trend over readings in event time) or 'window', not both")
        }
        let perReading = ["stuck", "silent", "anomaly"].contains(kind) || (["rate", "prediction"].contains(kind) && overNode != nil)
        var header = self.header(mapping, node: node, context: "rule", needsWindow: !perReading)
        let context = header.map { "rule '\($0.name)'" } ?? "rule"
        let department = required(mapping["department"], field: "department", in: node, context: context)
        if let department, let departmentNode = mapping["department"], department.contains(".") || department.contains(" ") {
            error(at: departmentNode, "department '\(department)' must not contain '.' or spaces: it is part of the topic alert.<department>.<severity>")
        }
        let severity = self.severity(mapping["severity"]) ?? .warning
        let description = string(mapping["description"], field: "description")
        let cooldown = mapping["cooldown"].flatMap { duration($0, field: "cooldown", allowZero: true) } ?? 0

        guard let filter = header?.filter else {
            // Without a valid kind of feed the fields cannot be checked, but the syntax still can.
            for field in ["when", "clear_when", "value"] {
                if let node = mapping[field], let text = node.scalar?.string {
                    do throws(ExpressionError) { _ = try ExpressionParser.parse(text) } catch {
                        self.error(at: node, error.message, columnOffset: offset(error.offset, in: node))
                    }
                }
            }
            return nil
        }
        var compiler = ExpressionCompiler(kind: filter.kind, declaredFields: declared[filter.kind] ?? [])
        var ruleKind: RuleKind?
        var defaultMessage = Self.defaultMessage
        switch kind {
        case "threshold", "sustained":
            guard let when = condition(mapping, "when", required: true, in: node, context: context, compiler: &compiler) else { break }
            let clear = condition(mapping, "clear_when", required: false, in: node, context: context, compiler: &compiler)
            if kind == "threshold" {
                ruleKind = .threshold(when: when, clear: clear)
            } else if let length = streakLength(mapping["for"], in: node, context: context) {
                ruleKind = .sustained(when: when, clear: clear, length: length)
            }
        case "rate":
            guard let field = knownField(mapping["field"], in: node, context: context, known: compiler.knownFields, kind: compiler.kind) else { break }
            let bounds = (number(mapping["above"], field: "above"), number(mapping["below"], field: "below"))
            let comparison: String
            switch bounds {
            case (let above?, nil): comparison = "slope(\(field)) > \(above)"
            case (nil, let below?): comparison = "slope(\(field)) < \(below)"
            default:
                error(at: node, "\(context) needs exactly one of 'above: <rate per second>' or 'below: <rate per second>'")
                return nil
            }
            if let overNode {
                guard let over = duration(overNode, field: "over") else { break }
                header?.window = WindowPolicy(.series)
                guard readingSlot(field, at: mapping["field"]!, compiler: &compiler) else { break }
                ruleKind = .trend(TrendSettings(over: over, measure: .slope, rising: bounds.0 != nil, level: bounds.0 ?? bounds.1 ?? 0))
            } else {
                ruleKind = synthesized(comparison, at: mapping["field"]!, compiler: &compiler).map { .threshold(when: $0, clear: nil) }
            }
            defaultMessage = "{key} ({district}): {field} changing by {value} per second (limit {threshold})".replacingOccurrences(of: "{field}", with: field)
        case "stuck":
            let fields = watchedFields(mapping, in: node, context: context, compiler: compiler)
            guard !fields.isEmpty,
                  let span = duration(mapping["for"], field: "for") ?? missing("for", in: node, context: context) else { break }
            let readings = mapping["readings"].flatMap { count($0, field: "readings", in: node, context: context) } ?? 6
            header?.window = WindowPolicy(.series)
            var compiled = true
            for field in fields where compiled { compiled = readingSlot(field, at: mapping["field"] ?? mapping["fields"] ?? node, compiler: &compiler) }
            guard compiled else { break }
            let watched = compiler.slots.count
            var guardCondition: Condition?
            if mapping["when"] != nil {
                guard let parsed = condition(mapping, "when", required: false, in: node, context: context, compiler: &compiler) else { break }
                guardCondition = parsed
            }
            ruleKind = .stuck(readings: max(readings, 2), duration: span, watched: watched, condition: guardCondition)
            let shown = fields.map { "\($0) = {last(\($0))}" }.joined(separator: ", ")
            defaultMessage = "{key} ({district}) has reported \(shown) without change for {unchanged_for}"
        case "prediction":
            guard let valueNode = mapping["value"] ?? missing("value", in: node, context: context),
                  let value = string(valueNode, field: "value"),
                  let horizon = duration(mapping["horizon"], field: "horizon") ?? missing("horizon", in: node, context: context) else { break }
            do throws(ExpressionError) {
                _ = try compiler.eventExpression(try ExpressionParser.parse(value))
            } catch {
                self.error(at: valueNode, error.message, columnOffset: offset(error.offset, in: valueNode))
                break
            }
            if let overNode {
                guard let over = duration(overNode, field: "over") else { break }
                let level: (Double, Bool)
                switch (number(mapping["reaches"], field: "reaches"), number(mapping["falls_below"], field: "falls_below")) {
                case (let target?, nil): level = (target, true)
                case (nil, let target?): level = (target, false)
                default:
                    error(at: node, "\(context) needs exactly one of 'reaches: <level>' or 'falls_below: <level>'")
                    return nil
                }
                header?.window = WindowPolicy(.series)
                // The value is slot 0: the reading the trend learns from.
                guard readingSlot(value, at: valueNode, compiler: &compiler) else { break }
                var guardCondition: Condition?
                if mapping["when"] != nil {
                    guard let parsed = self.condition(mapping, "when", required: false, in: node, context: context, compiler: &compiler) else { break }
                    guardCondition = parsed
                }
                ruleKind = .trend(TrendSettings(over: over, measure: .forecast(horizon: horizon), rising: level.1, level: level.0, condition: guardCondition))
                defaultMessage = "{key} ({district}): \(value) forecast at {value} within \(DurationText.format(horizon)) (level {threshold})"
                break
            }
            let seconds = JSONObjectWriter.number(Double(horizon) / 1000)
            let forecast = "last(\(value)) + slope(\(value)) * \(seconds)"
            // A trend needs readings over at least half the window: a window that began before
            // the data (or a gap) would otherwise extrapolate from a few noisy points.
            let size: Int64 = switch header?.window?.spec {
            case .tumbling(let size)?, .sliding(let size, _)?: size
            default: 0
            }
            let coverage = "span(\(value)) >= \(JSONObjectWriter.number(Double(size) / 2000))"
            let condition: String
            switch (number(mapping["reaches"], field: "reaches"), number(mapping["falls_below"], field: "falls_below")) {
            // The latest reading must also lie on the trend's side of the window mean: a straight
            // line through high-low-high data (an incident that just cleared) points the wrong way.
            case (let target?, nil):
                condition = "\(forecast) >= \(JSONObjectWriter.number(target)) and slope(\(value)) > 0 and last(\(value)) > mean(\(value)) and \(coverage)"
            case (nil, let target?):
                condition = "\(forecast) < \(JSONObjectWriter.number(target)) and slope(\(value)) < 0 and last(\(value)) < mean(\(value)) and \(coverage)"
            default:
                error(at: node, "\(context) needs exactly one of 'reaches: <level>' or 'falls_below: <level>'")
                return nil
            }
            if var forecastCondition = synthesized(condition, at: valueNode, compiler: &compiler) {
                // An optional guard, e.g. "not already nearly full", ANDed with the forecast.
                if mapping["when"] != nil {
                    guard let guardCondition = self.condition(mapping, "when", required: false, in: node, context: context, compiler: &compiler) else { break }
                    forecastCondition = .and(forecastCondition, guardCondition)
                }
                ruleKind = .threshold(when: forecastCondition, clear: nil)
            }
            defaultMessage = "{key} ({district}): \(value) forecast at {value} within \(DurationText.format(horizon)) (level {threshold})"
        case "outlier":
            guard let valueNode = mapping["value"] ?? missing("value", in: node, context: context),
                  let text = string(valueNode, field: "value") else { break }
            var valueExpression: WindowExpression?
            do throws(ExpressionError) {
                valueExpression = try compiler.numeric(try ExpressionParser.parse(text))
            } catch {
                self.error(at: valueNode, error.message, columnOffset: offset(error.offset, in: valueNode))
            }
            let z = number(mapping["z"], field: "z") ?? 3
            let clearZ = number(mapping["clear_z"], field: "clear_z") ?? z * 2 / 3
            let alpha = number(mapping["alpha"], field: "alpha") ?? 0.1
            let warmup = mapping["warmup"].flatMap { count($0, field: "warmup", in: node, context: context) } ?? 10
            var direction = OutlierDirection.both
            if let directionNode = mapping["direction"], let word = string(directionNode, field: "direction") {
                if let parsed = OutlierDirection(rawValue: word) { direction = parsed } else {
                    error(at: directionNode, "direction must be above, below or both, not '\(word)'")
                }
            }
            if !(alpha > 0 && alpha <= 1) { error(at: mapping["alpha"] ?? node, "'alpha' must be in (0, 1]") }
            if !(z > 0), let zNode = mapping["z"] { error(at: zNode, "'z' must be positive") }
            if clearZ > z { error(at: mapping["clear_z"] ?? node, "'clear_z' must not exceed 'z'") }
            var method = OutlierBaseline.ewma(alpha: alpha)
            if let baselineNode = mapping["baseline"], let word = string(baselineNode, field: "baseline") {
                switch word {
                case "ewma": break
                case "mad":
                    let history = mapping["history"].flatMap { count($0, field: "history", in: node, context: context) } ?? 30
                    method = .medianAbsoluteDeviation(history: max(history, 3))
                    if mapping["alpha"] != nil { error(at: mapping["alpha"]!, "'alpha' applies to the ewma baseline, not mad") }
                default: error(at: baselineNode, "baseline must be ewma or mad, not '\(word)'")
                }
            } else if mapping["history"] != nil {
                error(at: mapping["history"]!, "'history' applies to the mad baseline; add 'baseline: mad'")
            }
            if let valueExpression {
                ruleKind = .outlier(value: valueExpression, baseline: method, z: z, clearZ: clearZ, warmup: warmup, direction: direction)
            }
            defaultMessage = "{key} ({district}): \(text) = {value} is {z_score} standard deviations from its usual {baseline}"
        case "anomaly":
            guard let valueNode = mapping["value"] ?? missing("value", in: node, context: context),
                  let text = string(valueNode, field: "value") else { break }
            guard readingSlot(text, at: valueNode, compiler: &compiler) else { break }
            header?.window = WindowPolicy(.series)
            if let settings = anomalySettings(mapping, in: node, context: context) { ruleKind = .anomaly(settings) }
            defaultMessage = "{key} ({district}): \(text) = {value}, expected {expected} (score {score})"
        default:  // silent
            header?.window = nil
            if let timeout = silenceTimeout(mapping, in: node, context: context) {
                header?.window = WindowPolicy(.silence(after: timeout))
                ruleKind = .silent(after: timeout)
            }
            defaultMessage = "{key} ({district}) has sent nothing for {silent_for}"
        }
        let escalations = self.escalations(mapping["escalate"], base: severity, compiler: &compiler)
        let message = template(mapping["message"], field: "message", default: defaultMessage, parent: node, compiler: &compiler)
        var resolveMessage: MessageTemplate?
        if mapping["resolve_message"] != nil {
            resolveMessage = template(mapping["resolve_message"], field: "resolve_message", default: "", parent: node, compiler: &compiler)
        }
        guard diagnostics.count == before, let header, let window = header.window, let department, let ruleKind, let message else { return nil }
        let aggregation = Aggregation(name: header.name, filter: filter, keyBy: header.keyBy, window: window,
                                      inputs: compiler.inputs, slots: compiler.slots)
        var rule = Rule(aggregation: aggregation, kind: ruleKind, description: description, severity: severity, escalations: escalations,
                        cooldown: cooldown, department: department, message: message, resolveMessage: resolveMessage)
        rule.maxOpen = mapping["max_open"].flatMap { count($0, field: "max_open", in: node, context: context) }
        return rule
    }

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

    mutating func departments(_ node: Node) -> [(String, StormPolicy)] {
        guard let mapping = mapping(node, field: "departments") else { return [] }
        var result: [(String, StormPolicy)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let settings = self.mapping(value, field: name) else { continue }
            checkKeys(settings, allowed: ["storm_limit", "storm_window"], in: "department '\(name)'")
            guard let limit = settings["storm_limit"].flatMap({ count($0, field: "storm_limit", in: value, context: name) }) else {
                if settings["storm_limit"] == nil { error(at: value, "department '\(name)' needs 'storm_limit: <alerts per window>'") }
                continue
            }
            let window = settings["storm_window"].flatMap { duration($0, field: "storm_window") } ?? 60_000
            result.append((name, StormPolicy(limit: limit, window: window)))
        }
        return result
    }

    // MARK: Rule helpers

    /// Compiles `value`, an expression over one reading, as the next slot (`last(value)`) of a
    /// per-reading rule. Reports what is wrong at `node` and returns `false` if it does not
    /// compile.
    mutating func readingSlot(_ value: String, at node: Node, compiler: inout ExpressionCompiler) -> Bool {
        do throws(ExpressionError) {
            _ = try compiler.eventExpression(try ExpressionParser.parse(value))
            _ = try compiler.numeric(try ExpressionParser.parse("last(\(value))"))
            return true
        } catch {
            self.error(at: node, error.message, columnOffset: offset(error.offset, in: node))
            return false
        }
    }

    mutating func timeZone(_ node: Node) -> LocalTimeZone? {
        guard let text = string(node, field: "timezone") else { return nil }
        guard let zone = LocalTimeZone(identifier: text) else {
            error(at: node, "unknown time zone '\(text)' (an IANA name such as Europe/Berlin, America/Chicago or UTC)")
            return nil
        }
        return zone
    }

    /// `measurements: { <kind>: { <name>: { unit, range: [low, high], description } } }`.
    mutating func measurements(_ node: Node) -> [MeasurementDeclaration] {
        guard let kinds = mapping(node, field: "measurements") else { return [] }
        var result: [MeasurementDeclaration] = []
        for (kindNode, fieldsNode) in kinds {
            let name = kindNode.scalar?.string ?? ""
            guard let kind = EventKind(rawValue: name) else {
                let names = EventKind.allCases.map(\.rawValue)
                error(at: kindNode, "unknown kind '\(name)'\(Suggestion.hint(for: name, in: names)) under 'measurements' (kinds: \(names.joined(separator: ", ")))")
                continue
            }
            guard let fields = mapping(fieldsNode, field: name) else { continue }
            for (fieldNode, settingsNode) in fields {
                let field = fieldNode.scalar?.string ?? ""
                guard !field.isEmpty, field.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0) || $0 == "_") }),
                      !("0"..."9").contains(field.first!) else {
                    error(at: fieldNode, "measurement name '\(field)' may use only a-z, 0-9 and '_', and must not start with a digit")
                    continue
                }
                if MeasurementLimits.range(of: field, for: kind) != nil {
                    error(at: fieldNode, "'\(field)' is already a built-in measurement of \(name)")
                    continue
                }
                var declaration = MeasurementDeclaration(kind: kind, name: field)
                if let settings = settingsNode.mapping {
                    checkKeys(settings, allowed: PipelineVocabulary.measurementFields, in: "measurement '\(field)'")
                    declaration.unit = string(settings["unit"], field: "unit")
                    declaration.description = string(settings["description"], field: "description")
                    if let rangeNode = settings["range"] {
                        let bounds = (rangeNode.sequence.map(Array.init) ?? []).compactMap { number($0, field: "range") }
                        if bounds.count == 2, bounds[0] <= bounds[1] {
                            declaration.range = bounds[0]...bounds[1]
                        } else {
                            error(at: rangeNode, "'range' must be a list of two numbers, low then high, such as [0, 100]")
                        }
                    }
                } else if settingsNode.scalar?.string.isEmpty == false {
                    error(at: settingsNode, "measurement '\(field)' must be a mapping such as { unit: m, range: [0, 10] }")
                }
                result.append(declaration)
            }
        }
        return result
    }

    /// `for: 5` (windows) or `for: 5m` (event time).
    mutating func streakLength(_ node: Node?, in parent: Node, context: String) -> StreakLength? {
        guard let node else { return missing("for", in: parent, context: context) }
        guard let text = string(node, field: "for") else { return nil }
        if Int(text) != nil { return count(node, field: "for", in: parent, context: context).map(StreakLength.windows) }
        return duration(node, field: "for").map(StreakLength.duration)
    }

    /// `field: x` or `fields: [x, y]`: measurements of the rule's kind.
    mutating func watchedFields(_ mapping: Node.Mapping, in node: Node, context: String, compiler: ExpressionCompiler) -> [String] {
        var nodes: [Node] = []
        switch (mapping["field"], mapping["fields"]) {
        case (let field?, nil): nodes = [field]
        case (nil, let fields?):
            nodes = list(fields, field: "fields", item: "measurement")
            if nodes.isEmpty && fields.sequence != nil { error(at: fields, "'fields' must name at least one measurement") }
        case (nil, nil):
            error(at: node, "\(context) is missing required field 'field' (a measurement such as speed_kmh) or 'fields' (a list)")
        case (_?, let fields?):
            error(at: fields, "\(context): give 'field' or 'fields', not both")
        }
        return nodes.compactMap { knownField($0, in: node, context: context, known: compiler.knownFields, kind: compiler.kind) }
    }

    mutating func anomalySettings(_ mapping: Node.Mapping, in node: Node, context: String) -> AnomalySettings? {
        var settings = AnomalySettings()
        if let z = number(mapping["z"], field: "z") {
            if z > 0 { settings.z = z } else { error(at: mapping["z"]!, "'z' must be positive") }
        }
        settings.clearZ = settings.z / 2
        if let clearZ = number(mapping["clear_z"], field: "clear_z") {
            if clearZ >= 0 && clearZ <= settings.z { settings.clearZ = clearZ } else { error(at: mapping["clear_z"]!, "'clear_z' must be between 0 and 'z'") }
        }
        if let directionNode = mapping["direction"], let word = string(directionNode, field: "direction") {
            if let parsed = OutlierDirection(rawValue: word) { settings.direction = parsed } else {
                error(at: directionNode, "direction must be above, below or both, not '\(word)'")
            }
        }
        if let spreadNode = mapping["min_spread"] {
            for item in spreadNode.sequence.map(Array.init) ?? [spreadNode] {
                guard let text = string(item, field: "min_spread") else { continue }
                if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent >= 0, percent.isFinite {
                    settings.minSpreadRelative = percent / 100
                    if spreadNode.sequence == nil { settings.minSpreadAbsolute = 0 }
                } else if let amount = Double(text), amount >= 0, amount.isFinite {
                    settings.minSpreadAbsolute = amount
                    if spreadNode.sequence == nil { settings.minSpreadRelative = 0 }
                } else {
                    error(at: item, "'min_spread' must be an amount (0.5), a percentage of the level (10%), or a list of both, found '\(text)'")
                }
            }
        }
        if let seasonalNode = mapping["seasonal"], let seasonal = self.mapping(seasonalNode, field: "seasonal") {
            checkKeys(seasonal, allowed: PipelineVocabulary.seasonalFields, in: "seasonal")
            var profile = SeasonalSettings(timeZone: timeZone)
            if let learn = duration(seasonal["learn"], field: "learn") {
                if learn >= 86_400_000 { profile.learn = learn } else { error(at: seasonal["learn"]!, "'learn' must be at least 1d") }
            }
            if let slot = duration(seasonal["slot"], field: "slot") {
                if slot >= 300_000, slot <= 21_600_000, 86_400_000 % slot == 0 { profile.slot = slot } else {
                    error(at: seasonal["slot"]!, "'slot' must divide a day and lie between 5m and 6h (15m keeps the profile under 2 KiB per sensor)")
                }
            }
            if let days = seasonal["min_days"].flatMap({ count($0, field: "min_days", in: node, context: context) }) { profile.minimumDays = days }
            settings.seasonal = profile
        }
        return settings
    }

    /// `after: 10m`, or `intervals: k` / `gaps: k` of the sensor's own cadence with `at_least`
    /// and `at_most`.
    mutating func silenceTimeout(_ mapping: Node.Mapping, in node: Node, context: String) -> SilenceTimeout? {
        let given = ["after", "intervals", "gaps"].filter { mapping[$0] != nil }
        guard given.count == 1, let field = given.first, let valueNode = mapping[field] else {
            if given.isEmpty {
                error(at: node, "\(context) is missing required field 'after' (a duration), 'intervals' or 'gaps' (multiples of the sensor's own cadence)")
            } else {
                error(at: mapping[given[1]]!, "\(context): give one of 'after' (a fixed time), 'intervals' or 'gaps' (of the sensor's own cadence), not \(given.joined(separator: " and "))")
            }
            return nil
        }
        guard let basis = SilenceTimeout.Basis(rawValue: field) else {
            for bound in ["at_least", "at_most"] where mapping[bound] != nil {
                error(at: mapping[bound]!, "'\(bound)' applies to 'intervals' and 'gaps', not to a fixed 'after'")
            }
            return duration(valueNode, field: "after").map(SilenceTimeout.fixed)
        }
        guard let multiple = number(valueNode, field: field) else { return nil }
        guard multiple >= 1 else {
            error(at: valueNode, "'\(field)' must be at least 1 (a multiple of the sensor's own \(basis == .intervals ? "reporting interval" : "usual longest gap"))")
            return nil
        }
        let atLeast = mapping["at_least"].flatMap { duration($0, field: "at_least") } ?? 60_000
        let atMost = mapping["at_most"].flatMap { duration($0, field: "at_most") } ?? 3_600_000
        guard atLeast <= atMost else {
            error(at: mapping["at_most"] ?? node, "'at_most' must not be shorter than 'at_least'")
            return nil
        }
        return .cadence(multiple: multiple, of: basis, atLeast: atLeast, atMost: atMost)
    }

    mutating func severity(_ node: Node?) -> Severity? {
        guard let node, let text = string(node, field: "severity") else { return nil }
        if let parsed = Severity(rawValue: text) { return parsed }
        let names = Severity.allCases.map(\.rawValue)
        error(at: node, "unknown severity '\(text)'\(Suggestion.hint(for: text, in: names)) (expected one of \(names.joined(separator: ", ")))")
        return nil
    }

    mutating func escalations(_ node: Node?, base: Severity, compiler: inout ExpressionCompiler) -> [Rule.Escalation] {
        guard let node, let mapping = mapping(node, field: "escalate") else { return [] }
        var result: [Rule.Escalation] = []
        for (key, value) in mapping {
            guard let level = severity(key) else { continue }
            guard level > base else {
                error(at: key, "escalation to '\(level.rawValue)' must be above the rule's severity '\(base.rawValue)'")
                continue
            }
            guard let text = string(value, field: level.rawValue) else { continue }
            do throws(ExpressionError) {
                result.append(Rule.Escalation(severity: level, condition: try compiler.condition(try ExpressionParser.parse(text))))
            } catch {
                self.error(at: value, error.message, columnOffset: offset(error.offset, in: value))
            }
        }
        return result
    }

    mutating func condition(_ mapping: Node.Mapping, _ field: String, required isRequired: Bool, in node: Node, context: String, compiler: inout ExpressionCompiler) -> Condition? {
        guard let conditionNode = mapping[field] else {
            if isRequired { error(at: node, "\(context) is missing required field '\(field)'") }
            return nil
        }
        guard let text = string(conditionNode, field: field) else { return nil }
        return compileCondition(text, node: conditionNode, compiler: &compiler)
    }

    /// Compiles a condition the loader wrote from the rule's fields; errors point at `node`.
    mutating func synthesized(_ text: String, at node: Node, compiler: inout ExpressionCompiler) -> Condition? {
        do throws(ExpressionError) {
            return try compiler.condition(try ExpressionParser.parse(text))
        } catch {
            self.error(at: node, error.message)
            return nil
        }
    }

    mutating func knownField(_ node: Node?, in parent: Node, context: String, known: [String], kind: EventKind) -> String? {
        guard let node, let field = string(node, field: "field") else {
            error(at: parent, "\(context) is missing required field 'field' (a measurement such as speed_kmh)")
            return nil
        }
        guard known.contains(field) else {
            error(at: node, "unknown field '\(field)' for kind \(kind.rawValue)\(Suggestion.hint(for: field, in: known)) (known fields: \(known.joined(separator: ", ")))")
            return nil
        }
        return field
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
        var compiler = ExpressionCompiler(kind: filter.kind, declaredFields: declared[filter.kind] ?? [])
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
