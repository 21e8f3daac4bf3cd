import Foundation
import KindredStore

/// A dry run of the rules on one person's list: the list without them and with them, and which
/// rule moved which item. Nothing is logged as an impression.
public struct RulePreview: Sendable, Codable, Equatable {
    public struct Effect: Sendable, Codable, Equatable {
        /// The rule's id; 0 for an item several rules pushed out together.
        public var rule: Int64
        public var text: String
        public var itemID: String
        public var effect: String
    }

    public var surface: String
    public var ruleSetVersion: Int64
    public var before: [Recommendation]
    public var after: [Recommendation]
    public var effects: [Effect]
}

/// How often each rule fired over a sample of people (`kindred rules test`).
public struct RuleTestReport: Sendable, Codable, Equatable {
    public struct Firing: Sendable, Codable, Equatable {
        public var rule: Int64
        public var text: String
        /// Lists in which the rule changed something.
        public var lists: Int
        public var share: Double
    }

    public var people: Int
    public var ruleSetVersion: Int64
    public var rules: [Firing]
}

extension Engine {
    public static let ruleSurfaces = ["home", "product", "recommendations"]

    /// The person's list without the rules and with them, and what each rule did.
    public func previewRules(userID: String, surface: String = "home", k: Int = 10) throws -> RulePreview {
        try RecommendationRequest.check(k: k)
        guard Self.ruleSurfaces.contains(surface) else {
            throw RequestProblem(
                .invalid, code: "invalid_parameter", message: "unknown surface '\(surface.prefix(40))' (known: \(Self.ruleSurfaces.joined(separator: ", ")))",
                field: "surface")
        }
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        let (preview, _) = try preview(pseudonym: pseudonym, surface: surface, k: k)
        return preview
    }

    /// Runs the rules on a sample of people (the first `people` profiles with events, by key)
    /// and counts, per rule, the lists it changed.
    public func testRules(people: Int = 200, k: Int = 10) throws -> RuleTestReport {
        let pseudonyms = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT pseudonym FROM users WHERE events > 0 ORDER BY user_pk LIMIT ?", arguments: [max(1, people)])
        }
        let (version, inForce) = try rules()
        var fired: [Int64: Int] = [:]
        for pseudonym in pseudonyms {
            let (_, rulesThatActed) = try preview(pseudonym: pseudonym, surface: "recommendations", k: k)
            for rule in rulesThatActed { fired[rule, default: 0] += 1 }
        }
        return RuleTestReport(
            people: pseudonyms.count, ruleSetVersion: version,
            rules: inForce.map {
                RuleTestReport.Firing(
                    rule: $0.id, text: $0.text, lists: fired[$0.id] ?? 0,
                    share: pseudonyms.isEmpty ? 0 : Double(fired[$0.id] ?? 0) / Double(pseudonyms.count))
            })
    }

    private func preview(pseudonym: String, surface: String, k: Int) throws -> (RulePreview, Set<Int64>) {
        let request = RecommendationRequest(userID: nil, k: k)
        let before = try recommend(request, userPK: nil, pseudonym: pseudonym, withoutRules: true).response.items
        let trace = RuleTrace()
        let after = try recommend(request, userPK: nil, pseudonym: pseudonym, trace: trace, ruleSurface: surface).response.items
        let rules = try compiledRules()
        let texts = Dictionary(uniqueKeysWithValues: rules.map { ($0.id, $0.text) })
        let serving = try database.writer.read { db in try servingCache.model(in: db) }
        var effects: [RulePreview.Effect] = []
        var acted = Set<Int64>()
        let shown = Set(after.map(\.itemID))
        // What the stages recorded, for the items the final list shows (a boost on an item that
        // did not make the cut changed nothing anyone sees).
        var seen = Set<String>()
        for effect in trace.effects {
            guard let serving, let row = serving.catalogRow[effect.item] else { continue }
            let itemID = serving.catalog.itemIDs[row]
            guard shown.contains(itemID) || before.contains(where: { $0.itemID == itemID }), seen.insert("\(effect.rule) \(itemID)").inserted
            else { continue }
            effects.append(.init(rule: effect.rule, text: texts[effect.rule] ?? "", itemID: itemID, effect: effect.effect))
            acted.insert(effect.rule)
        }
        // Items the rules took out: by a filter rule when one matches, otherwise pushed out by the others.
        if let serving {
            let explained = Set(effects.map(\.itemID))
            for item in before where !shown.contains(item.itemID) && !explained.contains(item.itemID) {
                guard let index = serving.itemIndexByID[item.itemID] else { continue }
                if let rule = rules.first(where: { rule in
                    if case .filter = rule.syntax.action { return rule.matches(Int(index), serving: serving, person: RulePersonFacts()) }
                    return false
                }) {
                    effects.append(.init(rule: rule.id, text: rule.text, itemID: item.itemID, effect: "filtered out"))
                    acted.insert(rule.id)
                } else {
                    // Several rules can push one item out together (a boost of others, a pin, a cap):
                    // rule 0 names them as a whole rather than guess at one.
                    effects.append(.init(rule: 0, text: "boosts, pins and caps together", itemID: item.itemID, effect: "pushed out of the list"))
                }
            }
        }
        let version = try database.writer.read { db in try RuleStore.version(in: db) }
        return (RulePreview(surface: surface, ruleSetVersion: version, before: before, after: after, effects: effects), acted)
    }
}
