/// A rule's human message with `{placeholders}`, checked when the pipeline loads.
///
/// Placeholders: `{rule}`, `{sensor}`, `{key}`, `{district}`, `{kind}`, `{state}`, `{severity}`,
/// `{department}`, `{value}`, `{threshold}`, `{window_start}`, `{window_end}` (UTC times),
/// `{sensors}` (grouped and correlation alerts), `{z_score}` and `{baseline}` (outlier rules),
/// `{silent_for}` (silent-sensor rules), `{expected}`, `{score}` and `{observed_at}` (anomaly
/// and outlier rules), `{unchanged_for}` and `{unchanged}` (stuck rules: the measurements that
/// are stuck, `speed_kmh = 48.5`), and any aggregate expression such as
/// `{mean(speed_kmh)}` or `{max(occupied / capacity) * 100}`.
/// Numbers print with at most two decimals. `{{` and `}}` are literal braces.
public struct MessageTemplate: Sendable, Hashable {
    public enum Segment: Sendable, Hashable {
        case text(String)
        case field(Field)
        case expression(WindowExpression)
    }

    /// Alert fields a placeholder may name.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case rule, sensor, key, district, kind, state, severity, department, value, threshold, sensors, baseline
        case windowStart = "window_start", windowEnd = "window_end"
        case zScore = "z_score", silentFor = "silent_for"
        case expected, score
        case observedAt = "observed_at", unchangedFor = "unchanged_for", unchanged
    }

    public var segments: [Segment]

    public init(segments: [Segment]) {
        self.segments = segments
    }

    /// Parses `source`, compiling aggregate placeholders with `compiler` (which may add slots).
    /// Errors carry the character offset in `source`.
    public static func parse(_ source: String, compiler: inout ExpressionCompiler) throws(ExpressionError) -> MessageTemplate {
        var segments: [Segment] = []
        var literal = ""
        let characters = Array(source)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "{", index + 1 < characters.count, characters[index + 1] == "{" {
                literal.append("{"); index += 2; continue
            }
            if character == "}", index + 1 < characters.count, characters[index + 1] == "}" {
                literal.append("}"); index += 2; continue
            }
            if character == "}" { throw ExpressionError("unmatched '}' in message; write '}}' for a brace", at: index) }
            guard character == "{" else { literal.append(character); index += 1; continue }
            guard let close = characters[index...].firstIndex(of: "}") else {
                throw ExpressionError("unclosed '{' in message", at: index)
            }
            if !literal.isEmpty { segments.append(.text(literal)); literal = "" }
            let inner = String(characters[(index + 1)..<close]).trimmingWhitespace
            if let field = Field(rawValue: inner) {
                segments.append(.field(field))
            } else {
                do throws(ExpressionError) {
                    let node = try ExpressionParser.parse(inner)
                    if case .identifier(let name, _) = node {
                        let hint = Suggestion.hint(for: name, in: Field.allCases.map(\.rawValue))
                        throw ExpressionError("unknown placeholder '{\(name)}'\(hint)", at: 0)
                    }
                    segments.append(.expression(try compiler.numeric(node)))
                } catch {
                    throw ExpressionError(error.message, at: index + 1 + error.offset)
                }
            }
            index = close + 1
        }
        if !literal.isEmpty { segments.append(.text(literal)) }
        return MessageTemplate(segments: segments)
    }

    /// The message for an alert, given the rule's slot values.
    public func render(alert: Alert, values: [Double?]) -> String {
        var text = ""
        for segment in segments {
            switch segment {
            case .text(let literal): text += literal
            case .expression(let expression): text += Self.format(expression.evaluate(values))
            case .field(let field):
                switch field {
                case .rule: text += alert.rule
                case .sensor: text += alert.sensor ?? "-"
                case .key: text += alert.key
                case .district: text += alert.district ?? "-"
                case .kind: text += alert.kind.rawValue
                case .state: text += alert.state.rawValue
                case .severity: text += alert.severity.rawValue
                case .department: text += alert.department
                case .value: text += Self.format(alert.value)
                case .threshold: text += Self.format(alert.threshold)
                case .windowStart: text += EventTime.iso8601(alert.windowStart)
                case .windowEnd: text += EventTime.iso8601(alert.windowEnd)
                case .sensors: text += alert.sensors?.joined(separator: ", ") ?? alert.key
                case .baseline: text += Self.format(alert.values.first { $0.name == "baseline_mean" }?.value ?? nil)
                case .zScore: text += Self.format(alert.values.first { $0.name == "z_score" }?.value ?? nil)
                case .silentFor: text += DurationText.format(alert.windowEnd - alert.windowStart)
                case .expected: text += Self.format(alert.expected)
                case .score: text += Self.format(alert.score)
                case .observedAt: text += alert.observedAt.map(EventTime.iso8601) ?? "-"
                case .unchanged:
                    let stuck = alert.values.filter { $0.name.hasPrefix("unchanged(") && $0.name.hasSuffix(")") }
                    text += stuck.isEmpty ? "-" : stuck.map { "\($0.name.dropFirst(10).dropLast()) = \(Self.format($0.value))" }.joined(separator: ", ")
                case .unchangedFor:
                    let seconds = alert.values.first { $0.name == "unchanged_seconds" }?.value ?? nil
                    text += seconds.map { DurationText.format(Int64($0 * 1000)) } ?? "-"
                }
            }
        }
        return text
    }

    /// At most two decimals, trailing zeros dropped: `12.5`, `0.41`, `20`, `n/a` for no value.
    public static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        let scaled = (value * 100).rounded()
        if scaled == 0 { return "0" }
        let negative = scaled < 0
        let magnitude = Int64(abs(scaled))
        let whole = magnitude / 100, fraction = magnitude % 100
        var text = (negative ? "-" : "") + String(whole)
        if fraction != 0 {
            text += fraction % 10 == 0 ? ".\(fraction / 10)" : (fraction < 10 ? ".0\(fraction)" : ".\(fraction)")
        }
        return text
    }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
