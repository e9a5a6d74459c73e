/// The parse tree of a rule expression, before it is checked and compiled.
public indirect enum SyntaxNode: Sendable, Equatable {
    case number(Double, at: Int)
    case identifier(String, at: Int)
    case call(String, arguments: [SyntaxNode], at: Int)
    /// `-x` or `not x`.
    case unary(String, SyntaxNode, at: Int)
    /// Arithmetic, comparison, `and`, `or`.
    case binary(String, SyntaxNode, SyntaxNode, at: Int)

    /// Offset of the node's first character in the source.
    public var offset: Int {
        switch self {
        case .number(_, let at), .identifier(_, let at), .call(_, _, let at), .unary(_, _, let at): at
        case .binary(_, let left, _, _): left.offset
        }
    }

    /// A canonical spelling: `mean(occupied / capacity)`. Two expressions that differ only in
    /// spacing or redundant parentheses print the same.
    public var canonical: String {
        switch self {
        case .number(let value, _): JSONObjectWriter.number(value)
        case .identifier(let name, _): name
        case .call(let name, let arguments, _): "\(name)(\(arguments.map(\.canonical).joined(separator: ", ")))"
        case .unary(let op, let operand, _): op == "not" ? "not \(operand.wrapped)" : "-\(operand.wrapped)"
        case .binary(let op, let left, let right, _): "\(left.wrapped) \(op) \(right.wrapped)"
        }
    }

    private var wrapped: String {
        switch self {
        case .binary, .unary("not", _, _): "(\(canonical))"
        default: canonical
        }
    }
}
