import Foundation
import KindredLearning

/// What a rule's `for` clause is tested against: the request's context.
struct RuleRequestContext {
    var device: String?
    var country: String?
    var hour: Int?
    /// The person's segment keys and names, lower-cased.
    var segments: Set<String> = []
    var surface: String
    var personalized: Bool
    /// Today, UTC, as rule windows name days (`2026-12-01`): worked out once per request.
    var day: String
}

/// What `person.` fields read: the prices of the items in the person's history.
struct RulePersonFacts {
    var p75Price = Double.nan
    var medianPrice = Double.nan

    init() {}

    init(history: UserHistory, serving: ServingModel) {
        let prices = history.vector.indices.map { serving.itemPrice[Int($0)] }.filter { !$0.isNaN }.sorted()
        guard !prices.isEmpty else { return }
        func quantile(_ q: Double) -> Double {
            // Linear between closest ranks, as numpy's default.
            let position = q * Double(prices.count - 1)
            let low = Int(position.rounded(.down))
            let high = min(low + 1, prices.count - 1)
            return prices[low] + (prices[high] - prices[low]) * (position - Double(low))
        }
        p75Price = quantile(0.75)
        medianPrice = quantile(0.5)
    }
}

/// A stored rule ready to test items: its id, its text, and its parsed form.
struct CompiledRule: Sendable {
    let id: Int64
    let text: String
    let syntax: RuleSyntax
    /// Per model item, whether the `where` clause holds, when it reads the item alone and the
    /// request's model has worked it out (`RuleItemMasks`); nil: the clause is walked per item.
    var itemMask: [Bool]?

    init(id: Int64, text: String, syntax: RuleSyntax, itemMask: [Bool]? = nil) {
        self.id = id
        self.text = text
        self.syntax = syntax
        self.itemMask = itemMask
    }

    /// Whether the rule is in force for this request: inside its window, and its `for` clause holds.
    func applies(to request: RuleRequestContext) -> Bool {
        if let from = syntax.fromDay, request.day < from { return false }
        if let to = syntax.toDay, request.day > to { return false }
        return syntax.requestCondition.map { Self.holds($0, request: request) } ?? true
    }

    /// Whether the rule's `where` clause holds for a model item (true without one).
    func matches(_ item: Int, serving: ServingModel, person: RulePersonFacts) -> Bool {
        if let itemMask, item < itemMask.count { return itemMask[item] }
        return syntax.itemCondition.map { Self.holds($0, item: item, serving: serving, person: person) } ?? true
    }

    /// The UTC day of a moment, `yyyy-MM-dd`, by calendar arithmetic (no formatter per request).
    static func day(of ms: Int64) -> String {
        let days = Int((Double(ms) / 86_400_000).rounded(.down))
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    static func holds(_ condition: RuleSyntax.Condition, request: RuleRequestContext) -> Bool {
        switch condition {
        case .and(let a, let b): return holds(a, request: request) && holds(b, request: request)
        case .or(let a, let b): return holds(a, request: request) || holds(b, request: request)
        case .not(let a): return !holds(a, request: request)
        case .flag(let field): return field == "personalized" && request.personalized
        case .contains(let field, let value):
            return text(of: field, request: request).map { $0.contains(value.lowercased()) } ?? false
        case .compare(let field, let op, let operand):
            if field == "hour" {
                guard let hour = request.hour, case .number(let value) = operand else { return false }
                return compare(Double(hour), op, value)
            }
            guard case .text(let value) = operand else { return false }
            let wanted = value.lowercased()
            let equal =
                field == "segment" ? request.segments.contains(wanted) : (text(of: field, request: request) == wanted)
            return op == "=" ? equal : !equal
        }
    }

    static func text(of field: String, request: RuleRequestContext) -> String? {
        switch field {
        case "device": request.device?.lowercased()
        case "country": request.country?.lowercased()
        case "surface": request.surface
        case "segment": request.segments.sorted().joined(separator: " ")
        default: nil
        }
    }

    static func holds(_ condition: RuleSyntax.Condition, item: Int, serving: ServingModel, person: RulePersonFacts) -> Bool {
        switch condition {
        case .and(let a, let b): return holds(a, item: item, serving: serving, person: person) && holds(b, item: item, serving: serving, person: person)
        case .or(let a, let b): return holds(a, item: item, serving: serving, person: person) || holds(b, item: item, serving: serving, person: person)
        case .not(let a): return !holds(a, item: item, serving: serving, person: person)
        case .flag(let field): return field == "in_stock" && serving.itemInStock[item]
        case .contains(let field, let value):
            let wanted = value.lowercased()
            if field == "tags" { return serving.itemTags[item].contains(wanted) }
            return itemText(field, item: item, serving: serving)?.contains(wanted) ?? false
        case .compare(let field, let op, let operand):
            if RuleFields.item[field] == .number {
                let left = number(field, item: item, serving: serving, person: person)
                let right: Double
                switch operand {
                case .number(let value): right = value
                case .field(let other): right = number(other, item: item, serving: serving, person: person)
                case .text: return false
                }
                return compare(left, op, right)
            }
            guard case .text(let value) = operand else { return false }
            let wanted = value.lowercased()
            let equal: Bool
            if field == "category" {
                equal = itemText("category", item: item, serving: serving).map { ItemFilter.category($0, isWithin: wanted) } ?? false
            } else if field == "tags" {
                equal = serving.itemTags[item].contains(wanted)
            } else {
                equal = itemText(field, item: item, serving: serving) == wanted
            }
            return op == "=" ? equal : !equal
        }
    }

    static func itemText(_ field: String, item: Int, serving: ServingModel) -> String? {
        switch field {
        case "category":
            let number = serving.itemCategory[item]
            return number >= 0 ? serving.categoryNames[Int(number)] : nil
        case "brand":
            let number = serving.itemBrand[item]
            return number >= 0 ? serving.brandNames[Int(number)] : nil
        case "item_id": return serving.catalogRow[item].map { serving.catalog.itemIDs[$0].lowercased() }
        case "title": return serving.catalogRow[item].flatMap { serving.catalog.titles[$0]?.lowercased() }
        default: return nil
        }
    }

    static func number(_ field: String, item: Int, serving: ServingModel, person: RulePersonFacts) -> Double {
        switch field {
        case "price": serving.itemPrice[item]
        case "person.p75_price": person.p75Price
        case "person.median_price": person.medianPrice
        default: .nan
        }
    }

    /// NaN (an unknown price) compares false every way, so a rule about prices skips items without one.
    static func compare(_ left: Double, _ op: String, _ right: Double) -> Bool {
        switch op {
        case "=": left == right
        case "!=": !left.isNaN && !right.isNaN && left != right
        case "<": left < right
        case "<=": left <= right
        case ">": left > right
        case ">=": left >= right
        default: false
        }
    }
}
