import Foundation
import KindredLearning
import KindredStore

/// What `kindred rules add` reports.
public struct RulesAdded: Sendable, Codable, Equatable {
    public var version: Int64
    public var rules: [RuleStore.Rule]

    public init(version: Int64, rules: [RuleStore.Rule]) {
        self.version = version
        self.rules = rules
    }
}

extension RuleSyntax.Condition {
    func mentions(_ field: String) -> Bool {
        switch self {
        case .and(let a, let b), .or(let a, let b): a.mentions(field) || b.mentions(field)
        case .not(let a): a.mentions(field)
        case .compare(let name, _, let value): name == field || value == .field(field)
        case .contains(let name, _), .flag(let name): name == field
        }
    }
}

extension Engine {
    /// Parses and adds rules (one per line) as one new version of the rule set: all of them or,
    /// at the first error (its line, column and the token expected), none. A pin must name an
    /// item in the catalog. Audited.
    public func addRules(_ text: String) throws -> RulesAdded {
        let parsed: [(line: Int, text: String, rule: RuleSyntax)]
        do {
            parsed = try RuleParser.parse(text)
        } catch {
            throw RequestProblem(.invalid, code: "invalid_rule", message: error.description, field: "rule")
        }
        let now = clock.now()
        defer { rulesCache.invalidate() }
        return try database.writer.write { db in
            for (line, _, rule) in parsed {
                if case .pin(let itemID, _) = rule.action, try CatalogItemStore.isRemoved(itemID: itemID, in: db) {
                    throw RequestProblem(
                        .notFound, code: "unknown_item", message: "line \(line): pin names unknown item '\(itemID.prefix(80))'", field: "rule")
                }
            }
            let (version, ids) = try RuleStore.add(parsed.map(\.text), actor: actor, nowMs: now, in: db)
            try AuditLog.append(
                action: "rules_add", actor: actor, details: ["version": version, "rules": ids.map(String.init).joined(separator: ",")], in: db,
                nowMs: now)
            let all = try RuleStore.inForce(in: db)
            return RulesAdded(version: version, rules: all.filter { ids.contains($0.id) })
        }
    }

    /// The rules in force and the rule set's version.
    public func rules() throws -> (version: Int64, rules: [RuleStore.Rule]) {
        try database.writer.read { db in (try RuleStore.version(in: db), try RuleStore.inForce(in: db)) }
    }

    /// Takes a rule out of force (a new version of the rule set). Audited.
    public func removeRule(id: Int64) throws -> Int64 {
        let now = clock.now()
        defer { rulesCache.invalidate() }
        return try database.writer.write { db in
            guard let version = try RuleStore.remove(id: id, actor: actor, nowMs: now, in: db) else {
                throw RequestProblem(.notFound, code: "unknown_rule", message: "no rule \(id) in force (see `kindred rules list`)", field: "id")
            }
            try AuditLog.append(action: "rules_remove", actor: actor, details: ["version": version, "rule": id], in: db, nowMs: now)
            return version
        }
    }

    /// The rules in force, parsed, held like the other serving settings.
    func compiledRules() throws -> [CompiledRule] {
        try rulesCache.value(nowMs: clock.now()) {
            try database.writer.read { db in try RuleStore.inForce(in: db) }.compactMap { stored in
                // Stored rules were parsed when added; one that no longer parses is skipped, not fatal.
                (try? RuleParser.parse(stored.text)).flatMap(\.first).map { CompiledRule(id: stored.id, text: stored.text, syntax: $0.rule) }
            }
        }
    }

    /// The rules in force for one request, or nil when the shop has none.
    func activeRules(
        userPK: Int64?, request: RecommendationRequest, surface: String, personalized: Bool, history: UserHistory, serving: ServingModel
    ) throws -> ActiveRules? {
        let rules = try compiledRules()
        guard !rules.isEmpty else { return nil }
        var context = RuleRequestContext(
            device: request.device.flatMap(Device.init(loosely:))?.rawValue, country: request.country, hour: request.hour,
            surface: surface, personalized: personalized, day: CompiledRule.day(of: clock.now()))
        if let userPK, rules.contains(where: { $0.syntax.requestCondition?.mentions("segment") == true }) {
            context.segments = try database.writer.read { db in try SegmentStore.keysAndNames(of: userPK, in: db) }
        }
        // The person's price quantiles only when a rule reads them (they sort the history's prices).
        let readsPerson = rules.contains {
            $0.syntax.itemCondition.map { $0.mentions("person.p75_price") || $0.mentions("person.median_price") } ?? false
        }
        // Clauses that read the item alone are read from masks worked out once per model.
        let masked = rules.map { rule in
            var rule = rule
            rule.itemMask = serving.ruleMasks.mask(for: rule, serving: serving)
            return rule
        }
        let active = ActiveRules(
            masked, request: context, person: readsPerson ? RulePersonFacts(history: history, serving: serving) : RulePersonFacts())
        return active.isEmpty ? nil : active
    }
}
