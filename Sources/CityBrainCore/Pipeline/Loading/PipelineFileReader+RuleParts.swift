import Foundation
import Yams

// The parts rules are made of: conditions, message templates, severities and escalations, and the settings of the statistical, silent and stuck kinds.
extension PipelineFileReader {
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

    /// `for: 5` (windows) or `for: 5m` (event time).
    mutating func streakLength(_ node: Node?, in parent: Node, context: String) -> StreakLength? {
        guard let node else { return missing("for", in: parent, context: context) }
        guard let text = string(node, field: "for") else { return nil }
        if Int(text) != nil { return count(node, field: "for", in: parent, context: context).map(StreakLength.windows) }
        return duration(node, field: "for").map(StreakLength.duration)
    }

    /// A prediction's level: `reaches: <level>` (rising towards it) or `falls_below: <level>`,
    /// exactly one of them.
    mutating func predictionLevel(_ mapping: Node.Mapping, in node: Node, context: String) -> (target: Double, rising: Bool)? {
        switch (number(mapping["reaches"], field: "reaches"), number(mapping["falls_below"], field: "falls_below")) {
        case (let target?, nil): return (target, true)
        case (nil, let target?): return (target, false)
        default:
            error(at: node, "\(context) needs exactly one of 'reaches: <level>' or 'falls_below: <level>'")
            return nil
        }
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
                    error(at: seasonal["slot"]!, "'slot' must divide a day and lie between 5m and 6h (15m keeps the profile at 1.2 KiB per sensor)")
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
}
