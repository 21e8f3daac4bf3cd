import Foundation

/// For a loaded model, the items each rule's `where` clause holds for, when the clause reads
/// the item alone (not `person.` fields): worked out once over the catalog, so that testing a
/// candidate against it is one array read instead of walking the clause (a filter or boost is
/// tested on every candidate of every list, a page's lists included). Lives in its
/// `ServingModel`, which a catalog change or a new model replaces; a rule's text never changes
/// under its id.
final class RuleItemMasks: @unchecked Sendable {
    private let lock = NSLock()
    private var masks: [Int64: [Bool]] = [:]

    /// The rule's mask, or nil when its clause depends on the person (or there is none).
    func mask(for rule: CompiledRule, serving: ServingModel) -> [Bool]? {
        guard let condition = rule.syntax.itemCondition, !condition.readsPerson else { return nil }
        return lock.withLock {
            if let held = masks[rule.id] { return held }
            let mask = (0..<serving.itemCount).map { CompiledRule.holds(condition, item: $0, serving: serving, person: RulePersonFacts()) }
            masks[rule.id] = mask
            return mask
        }
    }
}

extension RuleSyntax.Condition {
    /// Whether the clause reads the person's facts (`person.p75_price`, ...).
    var readsPerson: Bool { RuleFields.item.keys.contains { $0.hasPrefix("person.") && mentions($0) } }
}
