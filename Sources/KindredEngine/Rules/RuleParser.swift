import Foundation
import KindredStore

/// Reads the rule language (see `RuleSyntax`) line by line, naming the line, the column and the
/// token expected at the first thing it cannot read. Blank lines and lines starting with `#`
/// are skipped.
public enum RuleParser {
    /// Every rule in `text`, or the first error: a set of rules is taken whole or not at all.
    public static func parse(_ text: String) throws(RuleError) -> [(line: Int, text: String, rule: RuleSyntax)] {
        var rules: [(Int, String, RuleSyntax)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            var parser = try LineParser(String(raw), line: index + 1)
            rules.append((index + 1, line, try parser.rule()))
        }
        guard !rules.isEmpty else { throw RuleError(line: 1, column: 1, message: "no rule: expected boost, bury, pin, filter or cap") }
        return rules
    }
}

struct RuleToken: Equatable {
    enum Kind: Equatable {
        case word, number, text, date, symbol, end
    }

    var kind: Kind
    var value: String
    var column: Int
}

struct LineParser {
    let line: Int
    var tokens: [RuleToken]
    var position = 0

    init(_ text: String, line: Int) throws(RuleError) {
        self.line = line
        tokens = try Self.lex(Array(text), line: line)
    }

    static func lex(_ characters: [Character], line: Int) throws(RuleError) -> [RuleToken] {
        var tokens: [RuleToken] = []
        var index = 0
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" || c == "/" }
        while index < characters.count {
            let c = characters[index]
            let column = index + 1
            if c.isWhitespace {
                index += 1
            } else if c == "'" {
                var value = ""
                index += 1
                while true {
                    guard index < characters.count else { throw RuleError(line: line, column: column, message: "unterminated string: expected '") }
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(RuleToken(kind: .text, value: value, column: column))
            } else if "=<>!(),".contains(c) {
                var symbol = String(c)
                if index + 1 < characters.count, characters[index + 1] == "=", "<>!".contains(c) { symbol.append("=") }
                if symbol == "!" { throw RuleError(line: line, column: column, message: "unexpected '!': expected != or a field") }
                tokens.append(RuleToken(kind: .symbol, value: symbol, column: column))
                index += symbol.count
            } else if isWord(c) {
                var value = ""
                while index < characters.count, isWord(characters[index]) {
                    value.append(characters[index])
                    index += 1
                }
                let kind: RuleToken.Kind =
                    value.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil ? .date : (Double(value) != nil && c.isNumber ? .number : .word)
                tokens.append(RuleToken(kind: kind, value: value, column: column))
            } else {
                throw RuleError(line: line, column: column, message: "unexpected '\(c)'")
            }
        }
        tokens.append(RuleToken(kind: .end, value: "", column: characters.count + 1))
        return tokens
    }

    var current: RuleToken { tokens[position] }

    func error(_ expected: String) -> RuleError {
        let found = current.kind == .end ? "the end of the line" : "'\(current.value)'"
        return RuleError(line: line, column: current.column, message: "expected \(expected), found \(found)")
    }

    mutating func accept(_ word: String) -> Bool {
        guard current.kind == .word || current.kind == .symbol, current.value.lowercased() == word else { return false }
        position += 1
        return true
    }

    mutating func expect(_ word: String) throws(RuleError) {
        guard accept(word) else { throw error(word) }
    }

    mutating func number(_ what: String) throws(RuleError) -> Double {
        guard current.kind == .number, let value = Double(current.value) else { throw error(what) }
        position += 1
        return value
    }

    mutating func rule() throws(RuleError) -> RuleSyntax {
        let action: RuleSyntax.Action
        if accept("boost") {
            let factor = try number("a factor such as 1.5")
            guard factor > 0 else {
                position -= 1
                throw error("a factor above 0 (below 1 lowers, above 1 lifts)")
            }
            action = .boost(factor)
        } else if accept("bury") {
            action = .bury
        } else if accept("filter") {
            action = .filter
        } else if accept("pin") {
            guard current.kind == .word || current.kind == .text || current.kind == .number else { throw error("an item id") }
            let item = current.value
            position += 1
            try expect("at")
            let at = try number("a position from 1")
            guard at >= 1, at <= 1000, at == at.rounded() else {
                position -= 1
                throw error("a whole position from 1 to 1000")
            }
            action = .pin(itemID: item, position: Int(at))
        } else if accept("cap") {
            let limit = try number("how many items")
            guard limit >= 1, limit == limit.rounded() else {
                position -= 1
                throw error("a whole number of items from 1")
            }
            try expect("per")
            guard accept("category") || accept("brand") else { throw error("category or brand") }
            action = .cap(Int(limit), per: tokens[position - 1].value.lowercased())
        } else {
            throw error("boost, bury, pin, filter or cap")
        }
        var rule = RuleSyntax(action: action)
        if accept("where") {
            rule.itemCondition = try condition(fields: RuleFields.item)
        }
        if accept("for") {
            rule.requestCondition = try condition(fields: RuleFields.request)
        }
        if accept("from") {
            guard current.kind == .date else { throw error("a date YYYY-MM-DD") }
            rule.fromDay = current.value
            position += 1
            try expect("to")
            guard current.kind == .date else { throw error("a date YYYY-MM-DD") }
            rule.toDay = current.value
            guard rule.toDay! >= rule.fromDay! else { throw error("an end date on or after the start") }
            position += 1
        }
        guard current.kind == .end else {
            throw error(rule.itemCondition == nil && rule.requestCondition == nil ? "where, for, from or the end" : "and, or, for, from or the end")
        }
        if case .filter = action, rule.itemCondition == nil { throw RuleError(line: line, column: current.column, message: "filter needs where: which items to leave out") }
        if case .bury = action, rule.itemCondition == nil { throw RuleError(line: line, column: current.column, message: "bury needs where: which items to move down") }
        return rule
    }

    /// A comparison with a text value, refusing a device the shop cannot be asked from (the
    /// request's device is one of the device classes, read loosely).
    func checkedText(field: String, op: String, value: String) throws(RuleError) -> RuleSyntax.Condition {
        if field == "device" {
            guard let device = Device(loosely: value) else {
                throw RuleError(
                    line: line, column: current.column,
                    message: "unknown device '\(value.prefix(40))' (known: \(Device.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return .compare(field: field, op: op, value: .text(device.rawValue))
        }
        return .compare(field: field, op: op, value: .text(value))
    }

    mutating func condition(fields: [String: RuleFields.Kind]) throws(RuleError) -> RuleSyntax.Condition {
        var left = try conjunction(fields: fields)
        while accept("or") { left = .or(left, try conjunction(fields: fields)) }
        return left
    }

    mutating func conjunction(fields: [String: RuleFields.Kind]) throws(RuleError) -> RuleSyntax.Condition {
        var left = try unary(fields: fields)
        while accept("and") { left = .and(left, try unary(fields: fields)) }
        return left
    }

    mutating func unary(fields: [String: RuleFields.Kind]) throws(RuleError) -> RuleSyntax.Condition {
        if accept("not") { return .not(try unary(fields: fields)) }
        if accept("(") {
            let inner = try condition(fields: fields)
            try expect(")")
            return inner
        }
        guard current.kind == .word else { throw error("a field (\(fields.keys.sorted().joined(separator: ", ")))") }
        let field = current.value.lowercased()
        guard let kind = fields[field] else {
            throw RuleError(
                line: line, column: current.column,
                message: "unknown field '\(current.value)' (known here: \(fields.keys.sorted().joined(separator: ", ")))")
        }
        position += 1
        if accept("contains") {
            guard kind == .list || kind == .text else { throw error("a comparison: \(field) is not a list or text") }
            guard current.kind == .text else { throw error("a quoted value such as 'sale'") }
            defer { position += 1 }
            return .contains(field: field, value: current.value)
        }
        // `segment 'new visitors'`: a text field followed by a value reads as =.
        if current.kind == .text, kind == .text {
            defer { position += 1 }
            return try checkedText(field: field, op: "=", value: current.value)
        }
        let ops = ["=", "!=", "<", "<=", ">", ">="]
        guard current.kind == .symbol, ops.contains(current.value) else {
            guard kind == .flag else { throw error("a comparison (=, !=, <, <=, >, >=\(kind == .list ? " or contains" : ""))") }
            return .flag(field: field)
        }
        let op = current.value
        position += 1
        if kind == .text || kind == .list, !["=", "!="].contains(op) {
            position -= 1
            throw error("= or != (\(field) is text)")
        }
        switch current.kind {
        case .number where kind == .number:
            defer { position += 1 }
            return .compare(field: field, op: op, value: .number(Double(current.value)!))
        case .text where kind != .number:
            defer { position += 1 }
            return try checkedText(field: field, op: op, value: current.value)
        case .word where kind == .number && RuleFields.item[current.value.lowercased()] == .number:
            defer { position += 1 }
            return .compare(field: field, op: op, value: .field(current.value.lowercased()))
        default:
            throw error(kind == .number ? "a number or a number field such as person.p75_price" : "a quoted value such as 'sale'")
        }
    }
}
