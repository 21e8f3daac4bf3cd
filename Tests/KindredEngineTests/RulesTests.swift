import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Business rules on a small shop: each action on a hand-built case, the `for` clause and the
/// time window, versions, all-or-nothing adds, and the dry run.
@Suite struct RulesTests {
    let directory = TemporaryDirectory()
    let engine: Engine
    let user = "c00010"

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    func list(k: Int = 20, device: String? = nil) throws -> [Recommendation] {
        var request = RecommendationRequest(userID: user, k: k)
        request.device = device
        return try engine.recommend(request).items
    }

    func category(absentFrom items: [Recommendation]) throws -> String {
        let present = Set(items.compactMap { $0.category?.split(separator: "/").first.map(String.init) })
        let all = try engine.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT substr(category, 1, instr(category, '/') - 1) FROM items WHERE category LIKE '%/%' ORDER BY 1")
        }
        return try #require(all.first { !present.contains($0) })
    }

    /// A clause that reads the item alone is read from a mask worked out once per model: the
    /// mask says exactly what walking the clause says, for every item; one that reads the
    /// person's facts has none.
    @Test func itemClausesAreMaskedOncePerModelExactlyAsTheyWalk() throws {
        let tag = try engine.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM items, json_each(items.tags) LIMIT 1")
        } ?? "gift"
        _ = try engine.addRules(
            """
            boost 2 where (category = 'home' or price < 10) and not in_stock
            filter where tags contains '\(tag.uppercased())' or title = 'nothing like this'
            bury where price > person.p75_price
            """)
        let serving = try #require(try engine.database.writer.read { db in try engine.servingCache.model(in: db) })
        let rules = try engine.compiledRules()
        #expect(rules.count == 3)
        for rule in rules {
            let mask = serving.ruleMasks.mask(for: rule, serving: serving)
            if rule.syntax.itemCondition?.readsPerson == true {
                #expect(mask == nil, "\(rule.text)")
                continue
            }
            let walked = (0..<serving.itemCount).map {
                CompiledRule.holds(rule.syntax.itemCondition!, item: $0, serving: serving, person: RulePersonFacts())
            }
            #expect(mask == walked, "\(rule.text)")
            #expect(walked.contains(true) && walked.contains(false), "a rule that tells items apart: \(rule.text)")
            #expect(serving.ruleMasks.mask(for: rule, serving: serving) == mask, "held, not worked out again")
        }
    }

    @Test func aBoostLiftsItsItemsIntoTheList() throws {
        let before = try list(k: 10)
        let wanted = try category(absentFrom: before)
        _ = try engine.addRules("boost 20 where category = '\(wanted)'")
        let after = try list(k: 10)
        #expect(after.contains { ($0.category ?? "").hasPrefix(wanted + "/") }, "a category path includes what is below it")
    }

    @Test func buryMovesItemsBelowEveryOther() throws {
        let before = try list()
        let priced = before.compactMap(\.price).sorted()
        let cut = priced[priced.count / 2]
        _ = try engine.addRules("bury where price > \(cut)")
        let after = try list()
        #expect(after.count == before.count)
        let buriedBefore = before.filter { ($0.price ?? 0) > cut }.count
        let buriedAfter = after.filter { ($0.price ?? 0) > cut }.count
        #expect(buriedBefore > 0 && buriedAfter < buriedBefore, "cheaper candidates take the buried items' places")
        if let firstBuried = after.firstIndex(where: { ($0.price ?? 0) > cut }) {
            #expect(after[firstBuried...].allSatisfy { ($0.price ?? 0) > cut }, "nothing unburied after the first buried item")
        }
    }

    @Test func aFilterHoldsOnlyForTheRequestsItNames() throws {
        let before = try list(k: 50, device: "mobile")
        let top = try #require(before.first?.category)
        _ = try engine.addRules("filter where category = '\(top)' for device = 'mobile'")
        #expect(try !list(k: 50, device: "mobile").contains { $0.category == top })
        #expect(try list(k: 50, device: "desktop").contains { $0.category == top }, "for device = 'mobile' only")
    }

    @Test func aPinTakesItsPositionUnlessTheItemMayNotBeShown() throws {
        let item = try engine.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT item_id FROM items WHERE in_stock = 1 ORDER BY item_pk DESC LIMIT 1")!
        }
        _ = try engine.addRules("pin \(item) at 2")
        let pinned = try list(k: 5)
        #expect(pinned.count == 5)
        #expect(pinned[1].itemID == item)
        _ = try engine.putItem(item, body: Data(#"{"in_stock": false}"#.utf8))
        #expect(try !list(k: 5).contains { $0.itemID == item }, "out of stock: the filter wins over the pin")
    }

    @Test func aCapRuleTightensTheList() throws {
        _ = try engine.addRules("cap 1 per category")
        let after = try list(k: 10)
        #expect(Set(after.map(\.category)).count == after.count)
    }

    @Test func aRuleOutsideItsWindowDoesNothing() throws {
        let before = try list(k: 10)
        let wanted = try category(absentFrom: before)
        _ = try engine.addRules("boost 20 where category = '\(wanted)' from 2020-01-01 to 2020-01-31")
        #expect(try list(k: 10) == before)
    }

    /// A segment's category boost, as a rule `for segment`: its members' lists lift the
    /// category, everyone else's stay as they were.
    @Test func aRuleForASegmentBoostsACategoryForItsMembersOnly() throws {
        _ = try engine.defineSegment(key: "buyers", rule: "purchases >= 4", name: "Frequent buyers")
        let members = try (1...80).map { String(format: "c%05d", $0) }.filter {
            try engine.personSegments(userID: $0).current.contains { $0.key == "buyers" }
        }
        let outsider = try #require(
            try (1...300).lazy.map { String(format: "c%05d", $0) }.first {
                try engine.recommend(RecommendationRequest(userID: $0, k: 1)).personalized
                    && !(try engine.personSegments(userID: $0).current.contains { $0.key == "buyers" })
            })
        let member = try #require(members.first { try engine.recommend(RecommendationRequest(userID: $0, k: 1)).personalized })
        func ten(_ user: String) throws -> [Recommendation] { try engine.recommend(RecommendationRequest(userID: user, k: 10)).items }
        let before = try ten(member)
        let wanted = try category(absentFrom: before)
        let outsiderBefore = try ten(outsider)
        _ = try engine.addRules("boost 20 where category = '\(wanted)' for segment 'Frequent buyers'")
        #expect(try ten(member).contains { ($0.category ?? "").hasPrefix(wanted + "/") })
        #expect(try ten(outsider) == outsiderBefore)
    }

    @Test func rulesAreAddedWholeOrNotAtAllAndEveryChangeIsAVersion() throws {
        #expect { _ = try engine.addRules("cap 2 per brand\nboost 2 where colour = 'red'") } throws: { error in
            guard let problem = error as? RequestProblem else { return false }
            return problem.field == "rule" && problem.message.hasPrefix("line 2, column 15: unknown field 'colour'")
        }
        #expect(try engine.rules().rules.isEmpty, "nothing half-applied")
        #expect { _ = try engine.addRules("pin NOPE at 1") } throws: { ($0 as? RequestProblem)?.code == "unknown_item" }
        let added = try engine.addRules("cap 2 per brand\nbury where price > 100")
        #expect(added.version == 1 && added.rules.count == 2)
        #expect(try engine.removeRule(id: added.rules[0].id) == 2)
        #expect(try engine.rules().rules.map(\.text) == ["bury where price > 100"])
        #expect(throws: RequestProblem.self) { try engine.removeRule(id: added.rules[0].id) }
        #expect(try DatabaseSnapshot.count("rule_set_versions", in: engine.database) == 2)
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action LIKE 'rules_%'") == 2)
    }

    @Test func aPreviewShowsWhichRuleMovedWhichItemAndLogsNothing() throws {
        let before = try list(k: 10)
        let wanted = try category(absentFrom: before)
        let added = try engine.addRules("boost 20 where category = '\(wanted)'\nfilter where item_id = '\(before[0].itemID)'")
        let impressions = try DatabaseSnapshot.count("impressions", in: engine.database)
        let preview = try engine.previewRules(userID: user, k: 10)
        #expect(preview.before.map(\.itemID) == before.map(\.itemID))
        #expect(preview.after.map(\.itemID) == (try list(k: 10)).map(\.itemID))
        #expect(preview.effects.contains { $0.rule == added.rules[1].id && $0.itemID == before[0].itemID && $0.effect == "filtered out" })
        #expect(preview.effects.contains { $0.rule == added.rules[0].id && $0.effect == "boosted x20.0" })
        #expect(try DatabaseSnapshot.count("impressions", in: engine.database) == impressions)

        let report = try engine.testRules(people: 30)
        #expect(report.people == 30)
        #expect(report.rules.map(\.rule) == added.rules.map(\.id))
        #expect(report.rules.allSatisfy { (0...30).contains($0.lists) })
        #expect(report.rules[0].lists > 0)
    }
}
