/// A numeric expression over one event's readings: what an aggregate consumes, e.g. the
/// `occupied / capacity` in `mean(occupied / capacity)`.
public indirect enum EventExpression: Sendable, Hashable {
    case field(String)
    case constant(Double)
    case negate(EventExpression)
    case arithmetic(ArithmeticOperator, EventExpression, EventExpression)

    /// The value for `event`, or `nil` when a field is missing or the result is not finite
    /// (an aggregate then skips the event, like SQL skips NULL).
    @inlinable
    public func evaluate(_ event: Event) -> Double? {
        switch self {
        case .field(let name): return event.value(name)
        case .constant(let value): return value
        case .negate(let operand): return operand.evaluate(event).map { -$0 }
        case .arithmetic(let op, let left, let right):
            guard let a = left.evaluate(event), let b = right.evaluate(event) else { return nil }
            let result = op.apply(a, b)
            return result.isFinite ? result : nil
        }
    }
}

/// `+ - * /` in rule expressions.
public enum ArithmeticOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    @inlinable
    public func apply(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        }
    }
}
