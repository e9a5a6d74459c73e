/// A numeric expression over a closed window's aggregates, e.g. `max(flow_vph) / 60`.
public indirect enum WindowExpression: Sendable, Hashable {
    case constant(Double)
    /// The value of aggregate slot `index` of the rule.
    case aggregate(Int)
    case negate(WindowExpression)
    case arithmetic(ArithmeticOperator, WindowExpression, WindowExpression)

    /// The value given the rule's slot values; `nil` if an aggregate had no input or the result
    /// is not finite.
    public func evaluate(_ values: some SlotValueList) -> Double? {
        switch self {
        case .constant(let value): return value
        case .aggregate(let slot): return values[slot]
        case .negate(let operand): return operand.evaluate(values).map { -$0 }
        case .arithmetic(let op, let left, let right):
            guard let a = left.evaluate(values), let b = right.evaluate(values) else { return nil }
            let result = op.apply(a, b)
            return result.isFinite ? result : nil
        }
    }
}
