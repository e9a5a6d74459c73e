/// A boolean expression over a closed window's aggregates: a rule's `when` or `clear_when`.
///
/// A comparison with a missing value (an aggregate that saw no input) is false.
public indirect enum Condition: Sendable, Hashable {
    case compare(ComparisonOperator, WindowExpression, WindowExpression)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition)

    public func evaluate(_ values: some SlotValueList) -> Bool {
        switch self {
        case .compare(let op, let left, let right):
            guard let a = left.evaluate(values), let b = right.evaluate(values) else { return false }
            return op.holds(a, b)
        case .and(let left, let right): return left.evaluate(values) && right.evaluate(values)
        case .or(let left, let right): return left.evaluate(values) || right.evaluate(values)
        case .not(let operand): return !operand.evaluate(values)
        }
    }

    /// The first comparison, reading left to right: its sides are the `value` and `threshold`
    /// an alert reports.
    public var primaryComparison: (value: WindowExpression, threshold: WindowExpression)? {
        switch self {
        case .compare(_, let left, let right): (left, right)
        case .and(let left, let right), .or(let left, let right): left.primaryComparison ?? right.primaryComparison
        case .not(let operand): operand.primaryComparison
        }
    }
}

/// `< <= > >= == !=` in rule expressions.
public enum ComparisonOperator: String, Sendable, Hashable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="

    public func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        case .equal: a == b
        case .notEqual: a != b
        }
    }
}
