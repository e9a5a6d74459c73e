/// Splits rule-expression text into tokens.
struct ExpressionLexer {
    enum Kind: Equatable {
        case number(Double)
        case identifier(String)
        case symbol(String)
        case end
    }

    struct Token: Equatable {
        var kind: Kind
        var offset: Int
    }

    static func tokens(_ source: String) throws(ExpressionError) -> [Token] {
        let characters = Array(source)
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace { index += 1; continue }
            let start = index
            if character.isNumber || (character == "." && index + 1 < characters.count && characters[index + 1].isNumber) {
                while index < characters.count, characters[index].isNumber || characters[index] == "." { index += 1 }
                if index < characters.count, characters[index] == "e" || characters[index] == "E" {
                    index += 1
                    if index < characters.count, characters[index] == "+" || characters[index] == "-" { index += 1 }
                    while index < characters.count, characters[index].isNumber { index += 1 }
                }
                let text = String(characters[start..<index])
                guard let value = Double(text), value.isFinite else {
                    throw ExpressionError("invalid number '\(text)'", at: start)
                }
                tokens.append(Token(kind: .number(value), offset: start))
            } else if character.isLetter || character == "_" {
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" {
                    index += 1
                }
                tokens.append(Token(kind: .identifier(String(characters[start..<index])), offset: start))
            } else {
                let two = index + 1 < characters.count ? String(characters[index...index + 1]) : ""
                if ["<=", ">=", "==", "!=", "&&", "||"].contains(two) {
                    let symbol = two == "&&" ? "and" : two == "||" ? "or" : two
                    tokens.append(Token(kind: .symbol(symbol), offset: start))
                    index += 2
                } else if "<>+-*/(),!".contains(character) {
                    tokens.append(Token(kind: .symbol(character == "!" ? "not" : String(character)), offset: start))
                    index += 1
                } else {
                    throw ExpressionError("unexpected character '\(character)'", at: start)
                }
            }
        }
        tokens.append(Token(kind: .end, offset: characters.count))
        return tokens
    }
}
