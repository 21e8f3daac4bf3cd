import Foundation

/// A rule segment's predicate over a person's features, such as
/// `purchases >= 3 and evening_share > 0.5 and last_device = 'mobile'`: comparisons of a feature
/// with a number or a quoted text, joined by `and`, `or`, `not` and parentheses. Parsed once,
/// with errors that name the character and the column, then evaluated on feature rows. A
/// feature without a value (a mean over nothing) makes its comparison false.
public struct SegmentRule: Sendable, Equatable {
    indirect enum Node: Sendable, Equatable {
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case number(column: Int, op: Operator, value: Double)
        case text(column: TextColumn, op: Operator, value: String)
    }

    enum Operator: String, Sendable, Equatable {
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "=", notEqual = "!="

        func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
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

    public enum TextColumn: String, Sendable, CaseIterable { case top_category, last_device, country, region }

    public let text: String
    let root: Node

    /// Parses `text` against the numeric feature columns (in row order).
    public init(_ text: String, columns: [String]) throws {
        var parser = Parser(text: text, columns: columns)
        root = try parser.parse()
        self.text = text
    }

    public func matches(_ row: PersonFeatureRow) -> Bool { Self.evaluate(root, row) }

    static func evaluate(_ node: Node, _ row: PersonFeatureRow) -> Bool {
        switch node {
        case .and(let a, let b): return evaluate(a, row) && evaluate(b, row)
        case .or(let a, let b): return evaluate(a, row) || evaluate(b, row)
        case .not(let a): return !evaluate(a, row)
        case .number(let column, let op, let value):
            guard column < row.numbers.count, let x = row.numbers[column] else { return false }
            return op.holds(x, value)
        case .text(let column, let op, let value):
            let field: String?
            switch column {
            case .top_category: field = row.topCategory
            case .last_device: field = row.lastDevice
            case .country: field = row.country
            case .region: field = row.region
            }
            guard let field else { return false }
            return op.holds(field.lowercased(), value.lowercased())
        }
    }

    static func problem(_ message: String) -> RequestProblem {
        RequestProblem(.invalid, code: "invalid_rule", message: message, field: "rule")
    }

    /// Recursive descent over the text: or binds loosest, then and, then not.
    struct Parser {
        let text: String
        let characters: [Character]
        let columns: [String]
        var position = 0

        init(text: String, columns: [String]) {
            self.text = text
            characters = Array(text)
            self.columns = columns
        }

        mutating func parse() throws -> Node {
            skipSpaces()
            guard position < characters.count else { throw SegmentRule.problem("the rule is empty") }
            let node = try orExpression()
            skipSpaces()
            guard position == characters.count else { throw error("expected and, or or the end") }
            return node
        }

        func error(_ message: String) -> RequestProblem {
            let found = position < characters.count ? "'\(String(characters[position...].prefix(12)))'" : "the end"
            return SegmentRule.problem("at character \(position + 1) (\(found)): \(message)")
        }

        mutating func skipSpaces() { while position < characters.count, characters[position].isWhitespace { position += 1 } }

        mutating func keyword(_ word: String) -> Bool {
            skipSpaces()
            let end = position + word.count
            guard end <= characters.count, String(characters[position..<end]).lowercased() == word else { return false }
            if end < characters.count, Self.isIdentifier(characters[end]) { return false }
            position = end
            return true
        }

        static func isIdentifier(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == ":" || c == "/" || c == "-" }

        mutating func orExpression() throws -> Node {
            var node = try andExpression()
            while keyword("or") { node = .or(node, try andExpression()) }
            return node
        }

        mutating func andExpression() throws -> Node {
            var node = try factor()
            while keyword("and") { node = .and(node, try factor()) }
            return node
        }

        mutating func factor() throws -> Node {
            if keyword("not") { return .not(try factor()) }
            skipSpaces()
            if position < characters.count, characters[position] == "(" {
                position += 1
                let node = try orExpression()
                skipSpaces()
                guard position < characters.count, characters[position] == ")" else { throw error("expected )") }
                position += 1
                return node
            }
            return try comparison()
        }

        mutating func comparison() throws -> Node {
            skipSpaces()
            let start = position
            while position < characters.count, Self.isIdentifier(characters[position]) { position += 1 }
            guard position > start else { throw error("expected a feature name") }
            let name = String(characters[start..<position])
            let numeric = columns.firstIndex(of: name)
            let textual = TextColumn(rawValue: name)
            if numeric == nil && textual == nil {
                position = start
                throw error(
                    "unknown column '\(name)'; columns: \((columns + TextColumn.allCases.map(\.rawValue)).joined(separator: ", "))")
            }
            skipSpaces()
            let symbolStart = position
            var symbol = ""
            while position < characters.count, "<>=!".contains(characters[position]) {
                symbol.append(characters[position])
                position += 1
            }
            guard let op = Operator(rawValue: symbol == "<>" ? "!=" : symbol == "==" ? "=" : symbol) else {
                position = symbolStart
                throw error("expected a comparison (<, <=, >, >=, =, !=) after '\(name)'")
            }
            skipSpaces()
            if let column = textual {
                guard position < characters.count, characters[position] == "'" || characters[position] == "\"" else {
                    throw error("'\(name)' is text: compare it with a quoted value, e.g. \(name) = 'mobile'")
                }
                let quote = characters[position]
                position += 1
                let valueStart = position
                while position < characters.count, characters[position] != quote { position += 1 }
                guard position < characters.count else { throw error("the quoted value is not closed") }
                let value = String(characters[valueStart..<position])
                position += 1
                return .text(column: column, op: op, value: value)
            }
            let valueStart = position
            while position < characters.count, characters[position].isNumber || "+-.eE".contains(characters[position]) { position += 1 }
            guard let value = Double(String(characters[valueStart..<position])), value.isFinite else {
                position = valueStart
                throw error("'\(name)' is a number: compare it with one")
            }
            return .number(column: numeric!, op: op, value: value)
        }
    }
}
