import Foundation
import Yams

// Rules: the header rules and outputs share, and each rule kind read into a ``Rule``.
extension PipelineFileReader {
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
        var defaultResolveMessage: String?
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
                // A trend, not noise, as per reading: a slope clear of its standard error, which
                // takes three readings (see ``significant(_:rising:)``).
                let significant = "(\(Self.significant(field, rising: true)) or \(Self.significant(field, rising: false)))"
                ruleKind = synthesized("\(comparison) and \(significant)", at: mapping["field"]!, compiler: &compiler)
                    .map { .threshold(when: $0, clear: nil) }
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
            // One slot per distinct field, in order: `last(<field>)`.
            let watched = fields.reduce(into: [String]()) { names, field in if !names.contains(field) { names.append(field) } }
            var guardCondition: Condition?
            if mapping["when"] != nil {
                guard let parsed = condition(mapping, "when", required: false, in: node, context: context, compiler: &compiler) else { break }
                guardCondition = parsed
            }
            ruleKind = .stuck(readings: max(readings, 2), duration: span, fields: watched, condition: guardCondition)
            defaultMessage = "{key} ({district}) has reported {unchanged} without change for {unchanged_for}"
            defaultResolveMessage = "Resolved: {key} ({district}) reports changing values again"
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
                guard let level = predictionLevel(mapping, in: node, context: context) else { return nil }
                header?.window = WindowPolicy(.series)
                // The value is slot 0: the reading the trend learns from.
                guard readingSlot(value, at: valueNode, compiler: &compiler) else { break }
                var guardCondition: Condition?
                if mapping["when"] != nil {
                    guard let parsed = self.condition(mapping, "when", required: false, in: node, context: context, compiler: &compiler) else { break }
                    guardCondition = parsed
                }
                ruleKind = .trend(TrendSettings(over: over, measure: .forecast(horizon: horizon), rising: level.rising, level: level.target, condition: guardCondition))
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
            guard let level = predictionLevel(mapping, in: node, context: context) else { return nil }
            let (crosses, towards) = level.rising ? (">=", ">") : ("<", "<")
            // The slope must point towards the level and the latest reading lie on its side of
            // the window mean (a straight line through high-low-high data, an incident that just
            // cleared, points the wrong way), and the slope must be a trend, not noise, as per
            // reading (``significant(_:rising:)``): a line through a few noisy readings, carried
            // ten minutes ahead, crosses any level now and then (under overload, with readings
            // shed, by the hundred thousand a minute).
            let condition = "\(forecast) \(crosses) \(JSONObjectWriter.number(level.target)) and slope(\(value)) \(towards) 0"
                + " and last(\(value)) \(towards) mean(\(value)) and \(coverage) and \(Self.significant(value, rising: level.rising))"
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
        } else if mapping["message"] == nil, let defaultResolveMessage {
            resolveMessage = template(nil, field: "resolve_message", default: defaultResolveMessage, parent: node, compiler: &compiler)
        }
        guard diagnostics.count == before, let header, let window = header.window, let department, let ruleKind, let message else { return nil }
        let aggregation = Aggregation(name: header.name, filter: filter, keyBy: header.keyBy, window: window,
                                      inputs: compiler.inputs, slots: compiler.slots)
        var rule = Rule(aggregation: aggregation, kind: ruleKind, description: description, severity: severity, escalations: escalations,
                        cooldown: cooldown, department: department, message: message, resolveMessage: resolveMessage)
        rule.maxOpen = mapping["max_open"].flatMap { count($0, field: "max_open", in: node, context: context) }
        return rule
    }

    /// The windowed form of a per-reading trend's test (``TrendSettings/minimumTStatistic``):
    /// `value`'s slope lies that many standard errors from zero, upwards or downwards. It also
    /// asks for three readings, as a per-reading trend does (``TrendSettings/minimumReadings``):
    /// `slope_se` has no value with fewer (through two a line always fits), and a comparison
    /// with no value is false.
    static func significant(_ value: String, rising: Bool) -> String {
        let minimum = JSONObjectWriter.number(TrendSettings.minimumTStatistic)
        return rising ? "slope(\(value)) >= \(minimum) * slope_se(\(value))" : "slope(\(value)) <= -\(minimum) * slope_se(\(value))"
    }
}
