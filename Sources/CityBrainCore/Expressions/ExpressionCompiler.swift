/// Checks parsed rule expressions and compiles them against one rule's aggregates.
///
/// Aggregate calls are collected into slots (deduplicated by canonical spelling) over inputs
/// (deduplicated per event expression), so `mean(x) > 3 and max(x) < 9` keeps one accumulator.
public struct ExpressionCompiler: Sendable {
    /// The feed the rule matches: its known fields are the only ones an expression may name.
    public let kind: EventKind
    /// Measurements the pipeline declares for ``kind`` beyond the built-in catalogue.
    public let declaredFields: Set<String>
    /// Distinct inputs with the state their aggregates need.
    public private(set) var inputs: [InputLayout] = []
    public private(set) var slots: [AggregateSlot] = []

    public init(kind: EventKind, declaredFields: Set<String> = []) {
        self.kind = kind
        self.declaredFields = declaredFields
    }

    /// Every field an expression may name for ``kind``, sorted.
    public var knownFields: [String] {
        Array(Set(MeasurementLimits.knownFields(of: kind)).union(declaredFields)).sorted()
    }

    /// Compiles a boolean expression (`when`, `clear_when`).
    public mutating func condition(_ node: SyntaxNode) throws(ExpressionError) -> Condition {
        switch node {
        case .binary(let op, let left, let right, let at):
            switch op {
            case "and": return .and(try condition(left), try condition(right))
            case "or": return .or(try condition(left), try condition(right))
            default:
                guard let comparison = ComparisonOperator(rawValue: op) else {
                    throw ExpressionError("expected a comparison such as 'mean(speed_kmh) < 20', found arithmetic '\(op)'", at: at)
                }
                return .compare(comparison, try numeric(left), try numeric(right))
            }
        case .unary("not", let operand, _):
            return .not(try condition(operand))
        default:
            throw ExpressionError("expected a comparison such as 'mean(speed_kmh) < 20', found '\(node.canonical)'", at: node.offset)
        }
    }

    /// Compiles a numeric expression over aggregates (either side of a comparison, or a
    /// `{…}` placeholder in a message).
    public mutating func numeric(_ node: SyntaxNode) throws(ExpressionError) -> WindowExpression {
        switch node {
        case .number(let value, _):
            return .constant(value)
        case .identifier(let name, let at):
            let function = isKnownField(name) ? "mean(\(name))" : "an aggregate such as mean(\(name))"
            throw ExpressionError("field '\(name)' must be inside an aggregate, e.g. \(function)", at: at)
        case .call(let name, let arguments, let at):
            return .aggregate(try slot(function: name, arguments: arguments, at: at, canonical: node.canonical))
        case .unary("-", let operand, _):
            return .negate(try numeric(operand))
        case .binary(let op, let left, let right, let at):
            guard let arithmetic = ArithmeticOperator(rawValue: op) else {
                throw ExpressionError("a comparison cannot be used as a number here", at: at)
            }
            return .arithmetic(arithmetic, try numeric(left), try numeric(right))
        case .unary(_, _, let at):
            throw ExpressionError("'not' cannot be used as a number", at: at)
        }
    }

    private mutating func slot(function name: String, arguments: [SyntaxNode], at: Int, canonical: String) throws(ExpressionError) -> Int {
        guard let function = AggregateFunction.named(name) else {
            let names = AggregateFunction.allCases.map(\.rawValue)
            throw ExpressionError("unknown aggregate '\(name)'\(Suggestion.hint(for: name, in: names)) (aggregates: \(names.joined(separator: ", ")))", at: at)
        }
        let input: AggregateInput
        switch (function, arguments.count) {
        case (.count, 0): input = .events
        case (.distinct, 1):
            if case .identifier(let field, _) = arguments[0], let text = TextField(rawValue: field) {
                input = .text(text)
            } else {
                input = .number(try eventExpression(arguments[0]))
            }
        case (_, 1): input = .number(try eventExpression(arguments[0]))
        default:
            throw ExpressionError("\(function.rawValue)() takes \(function == .count ? "zero or one argument" : "one argument"), found \(arguments.count)", at: at)
        }
        if let existing = slots.firstIndex(where: { $0.name == canonical }) { return existing }
        let inputIndex: Int
        if let existing = inputs.firstIndex(where: { $0.input == input }) {
            inputIndex = existing
            inputs[existing].features.formUnion(function.features)
        } else {
            inputs.append(InputLayout(input: input, features: function.features))
            inputIndex = inputs.count - 1
        }
        slots.append(AggregateSlot(function: function, input: inputIndex, name: canonical))
        return slots.count - 1
    }

    /// Compiles an aggregate's argument: fields, numbers and arithmetic, evaluated per event.
    public func eventExpression(_ node: SyntaxNode) throws(ExpressionError) -> EventExpression {
        switch node {
        case .number(let value, _):
            return .constant(value)
        case .identifier(let name, let at):
            guard isKnownField(name) else {
                let known = knownFields
                throw ExpressionError("unknown field '\(name)' for kind \(kind.rawValue)\(Suggestion.hint(for: name, in: known)) (known fields: \(known.joined(separator: ", ")))", at: at)
            }
            return .field(name)
        case .call(let name, _, let at):
            throw ExpressionError("aggregate '\(name)(…)' cannot be nested inside another aggregate", at: at)
        case .unary("-", let operand, _):
            return .negate(try eventExpression(operand))
        case .binary(let op, let left, let right, let at):
            guard let arithmetic = ArithmeticOperator(rawValue: op) else {
                throw ExpressionError("'\(op)' cannot be used inside an aggregate", at: at)
            }
            return .arithmetic(arithmetic, try eventExpression(left), try eventExpression(right))
        case .unary(_, _, let at):
            throw ExpressionError("'not' cannot be used inside an aggregate", at: at)
        }
    }

    private func isKnownField(_ name: String) -> Bool {
        MeasurementLimits.range(of: name, for: kind) != nil || declaredFields.contains(name)
    }
}
