/// Parses rule-expression text into a ``SyntaxNode``.
///
/// Grammar, loosest first: `or`, `and`, `not`, comparison (`< <= > >= == !=`), `+ -`, `* /`,
/// unary `-`, then numbers, `name`, `name(arguments)` and parentheses. `&&`, `||` and `!` are
/// accepted as spellings of `and`, `or` and `not`.
///
/// ```swift
/// let tree = try ExpressionParser.parse("mean(speed_kmh) < 20 and mean(occupancy) > 0.35")
/// ```
public enum ExpressionParser {
    public static func parse(_ source: String) throws(ExpressionError) -> SyntaxNode {
        var parser = Parser(tokens: try ExpressionLexer.tokens(source))
        let node = try parser.parseOr()
        guard parser.current.kind == .end else {
            throw ExpressionError("unexpected \(parser.describe(parser.current)) after a complete expression", at: parser.current.offset)
        }
        return node
    }

    private struct Parser {
        let tokens: [ExpressionLexer.Token]
        var position = 0

        var current: ExpressionLexer.Token { tokens[position] }

        mutating func advance() -> ExpressionLexer.Token {
            defer { if position < tokens.count - 1 { position += 1 } }
            return tokens[position]
        }

        func isSymbol(_ symbol: String) -> Bool {
            switch current.kind {
            case .symbol(let s): s == symbol
            case .identifier(let word): (symbol == "and" || symbol == "or" || symbol == "not") && word == symbol
            default: false
            }
        }

        mutating func parseOr() throws(ExpressionError) -> SyntaxNode {
            var left = try parseAnd()
            while isSymbol("or") {
                let token = advance()
                left = .binary("or", left, try parseAnd(), at: token.offset)
            }
            return left
        }

        mutating func parseAnd() throws(ExpressionError) -> SyntaxNode {
            var left = try parseNot()
            while isSymbol("and") {
                let token = advance()
                left = .binary("and", left, try parseNot(), at: token.offset)
            }
            return left
        }

        mutating func parseNot() throws(ExpressionError) -> SyntaxNode {
            if isSymbol("not") {
                let token = advance()
                return .unary("not", try parseNot(), at: token.offset)
            }
            return try parseComparison()
        }

        mutating func parseComparison() throws(ExpressionError) -> SyntaxNode {
            let left = try parseAdditive()
            for op in ["<", "<=", ">", ">=", "==", "!="] where isSymbol(op) {
                let token = advance()
                let right = try parseAdditive()
                for next in ["<", "<=", ">", ">=", "==", "!="] where isSymbol(next) {
                    throw ExpressionError("comparisons cannot be chained; join them with 'and'", at: current.offset)
                }
                return .binary(op, left, right, at: token.offset)
            }
            return left
        }

        mutating func parseAdditive() throws(ExpressionError) -> SyntaxNode {
            var left = try parseMultiplicative()
            while isSymbol("+") || isSymbol("-") {
                guard case .symbol(let op) = advance().kind else { break }
                left = .binary(op, left, try parseMultiplicative(), at: left.offset)
            }
            return left
        }

        mutating func parseMultiplicative() throws(ExpressionError) -> SyntaxNode {
            var left = try parseUnary()
            while isSymbol("*") || isSymbol("/") {
                guard case .symbol(let op) = advance().kind else { break }
                left = .binary(op, left, try parseUnary(), at: left.offset)
            }
            return left
        }

        mutating func parseUnary() throws(ExpressionError) -> SyntaxNode {
            guard isSymbol("-") else { return try parsePrimary() }
            let token = advance()
            let operand = try parseUnary()
            if case .number(let value, _) = operand { return .number(-value, at: token.offset) }
            return .unary("-", operand, at: token.offset)
        }

        mutating func parsePrimary() throws(ExpressionError) -> SyntaxNode {
            let token = advance()
            switch token.kind {
            case .number(let value):
                return .number(value, at: token.offset)
            case .identifier(let name):
                guard !["and", "or", "not"].contains(name) else {
                    throw ExpressionError("expected a value before '\(name)'", at: token.offset)
                }
                guard isSymbol("(") else { return .identifier(name, at: token.offset) }
                _ = advance()
                var arguments: [SyntaxNode] = []
                if !isSymbol(")") {
                    arguments.append(try parseOr())
                    while isSymbol(",") {
                        _ = advance()
                        arguments.append(try parseOr())
                    }
                }
                guard isSymbol(")") else { throw ExpressionError("expected ')' to close '\(name)('", at: current.offset) }
                _ = advance()
                return .call(name, arguments: arguments, at: token.offset)
            case .symbol("("):
                let inner = try parseOr()
                guard isSymbol(")") else { throw ExpressionError("expected ')'", at: current.offset) }
                _ = advance()
                return inner
            default:
                throw ExpressionError("expected a number, a field or a function call, found \(describe(token))", at: token.offset)
            }
        }

        func describe(_ token: ExpressionLexer.Token) -> String {
            switch token.kind {
            case .number(let value): "number \(JSONObjectWriter.number(value))"
            case .identifier(let name): "'\(name)'"
            case .symbol(let symbol): "'\(symbol)'"
            case .end: "the end of the expression"
            }
        }
    }
}
