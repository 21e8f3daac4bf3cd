import Foundation

/// A business rule as written, parsed: one action, the items it applies to (`where`), the
/// requests it applies to (`for`), and a time window. The language, one rule per line:
///
///     boost 1.5 where category = 'sale' and in_stock
///     bury where price > person.p75_price
///     pin P00123 at 1 for segment 'new visitors'      (a text field and a value: =)
///     filter where tags contains 'adult' for device = 'kiosk'
///     cap 2 per brand
///     boost 2 where category = 'seasonal/christmas' from 2026-12-01 to 2026-12-24
public struct RuleSyntax: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case boost(Double)
        case bury
        case pin(itemID: String, position: Int)
        case filter
        case cap(Int, per: String)
    }

    public indirect enum Condition: Sendable, Equatable {
        case and(Condition, Condition)
        case or(Condition, Condition)
        case not(Condition)
        case compare(field: String, op: String, value: Operand)
        case contains(field: String, value: String)
        case flag(field: String)
    }

    public enum Operand: Sendable, Equatable {
        case number(Double)
        case text(String)
        case field(String)
    }

    public var action: Action
    public var itemCondition: Condition?
    public var requestCondition: Condition?
    /// Inclusive days, UTC: the rule applies from the first day's start to the last day's end.
    public var fromDay: String?
    public var toDay: String?
}

/// A parse error: where (line and column, from 1) and what was expected there.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// The fields rules may test. Item fields describe the candidate; `person.` fields the person
/// the list is for; request fields (in `for`) the request's context.
public enum RuleFields {
    public static let item: [String: Kind] = [
        "category": .text, "brand": .text, "price": .number, "in_stock": .flag, "tags": .list, "item_id": .text, "title": .text,
        "person.p75_price": .number, "person.median_price": .number,
    ]
    public static let request: [String: Kind] = [
        "device": .text, "country": .text, "hour": .number, "segment": .text, "surface": .text, "personalized": .flag,
    ]

    public enum Kind: Sendable {
        case text, number, flag, list
    }
}
