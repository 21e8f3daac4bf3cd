import KindredLearning

/// What the rules did to one list, for `kindred rules preview`: rule id, item, what happened.
final class RuleTrace: @unchecked Sendable {
    var effects: [(rule: Int64, item: Int, effect: String)] = []
}

/// The shop's rules in force for one request, split by what they do to a list.
struct ActiveRules: Sendable {
    let filters: [CompiledRule]
    let rankers: [CompiledRule]
    let pins: [CompiledRule]
    /// The tightest cap per category and per brand, with the rule that set it.
    let categoryCap: (limit: Int, rule: Int64)?
    let brandCap: (limit: Int, rule: Int64)?
    let person: RulePersonFacts

    init(_ rules: [CompiledRule], request: RuleRequestContext, person: RulePersonFacts) {
        let active = rules.filter { $0.applies(to: request) }
        var filters: [CompiledRule] = []
        var rankers: [CompiledRule] = []
        var pins: [CompiledRule] = []
        var categoryCap: (Int, Int64)?
        var brandCap: (Int, Int64)?
        for rule in active {
            switch rule.syntax.action {
            case .filter: filters.append(rule)
            case .boost, .bury: rankers.append(rule)
            case .pin: pins.append(rule)
            case .cap(let limit, let per):
                if per == "brand" {
                    if brandCap == nil || limit < brandCap!.0 { brandCap = (limit, rule.id) }
                } else if categoryCap == nil || limit < categoryCap!.0 {
                    categoryCap = (limit, rule.id)
                }
            }
        }
        (self.filters, self.rankers, self.pins, self.categoryCap, self.brandCap, self.person) =
            (filters, rankers, pins, categoryCap, brandCap, person)
    }

    var isEmpty: Bool { filters.isEmpty && rankers.isEmpty && pins.isEmpty && categoryCap == nil && brandCap == nil }

    /// The first filter rule that leaves the item out, if any.
    func filtering(_ item: Int, serving: ServingModel) -> CompiledRule? {
        filters.first { $0.matches(item, serving: serving, person: person) }
    }
}

/// Boosts and buries: each candidate's relevance (its score rescaled to 0.1...1 over the
/// candidates, so that a factor means the same for every model) is multiplied by the factor of
/// every boost whose `where` holds; a buried item goes below every item not buried. Stable.
struct RuleRanking: Reranker {
    let rules: ActiveRules
    let serving: ServingModel
    let trace: RuleTrace?
    var name: String { "rules" }

    func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        guard !rules.rankers.isEmpty, let high = candidates.map(\.score).max(), let low = candidates.map(\.score).min() else {
            return candidates
        }
        let span = high - low
        let adjusted = candidates.enumerated().map { position, candidate -> (Int, RankedItem, Double) in
            var relevance = 0.1 + 0.9 * Double(span > 0 ? (candidate.score - low) / span : 1)
            var buried = false
            for rule in rules.rankers where rule.matches(candidate.item, serving: serving, person: rules.person) {
                switch rule.syntax.action {
                case .boost(let factor):
                    relevance *= factor
                    trace?.effects.append((rule.id, candidate.item, "boosted x\(factor)"))
                case .bury:
                    buried = true
                    trace?.effects.append((rule.id, candidate.item, "buried"))
                default: break
                }
            }
            return (position, candidate, buried ? relevance - 1_000 : relevance)
        }
        return adjusted.sorted { ($0.2, -$0.0) > ($1.2, -$1.0) }.map(\.1)
    }
}

/// Pins, last: each pinned item (when the filter allows it, and no filter rule leaves it out)
/// takes its position, the others keep their order around it.
struct RulePins: Reranker {
    let rules: ActiveRules
    let serving: ServingModel
    let filter: ItemFilter
    let trace: RuleTrace?
    var name: String { "pins" }

    func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        guard !rules.pins.isEmpty else { return candidates }
        var list = candidates
        let ordered = rules.pins.sorted {
            if case .pin(_, let a) = $0.syntax.action, case .pin(_, let b) = $1.syntax.action { return a < b }
            return false
        }
        for rule in ordered {
            guard case .pin(let itemID, let position) = rule.syntax.action, position <= count,
                let index = serving.itemIndexByID[itemID].map(Int.init), rule.matches(index, serving: serving, person: rules.person),
                filter.allows(index)
            else { continue }
            let existing = list.firstIndex { $0.item == index }
            let pinned = existing.map { list.remove(at: $0) } ?? RankedItem(item: index, score: 0, source: "pinned")
            list.insert(RankedItem(item: pinned.item, score: pinned.score, source: existing == nil ? "pinned" : pinned.source), at: min(position - 1, list.count))
            trace?.effects.append((rule.id, index, "pinned at \(position)"))
        }
        return list
    }
}
