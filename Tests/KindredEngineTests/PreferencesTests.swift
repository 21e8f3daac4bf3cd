import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// "Not interested", "more like this" and reasons turned off, as a person would try them: on
/// every surface at once, in training, in export and erasure, and refused when malformed.
@Suite struct PreferencesTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: false)
    }

    func train(_ algorithm: String = "als") throws { try SmallShop.train(engine, algorithm: algorithm) }

    func person(_ n: Int) throws -> String { try SmallShop.person(n, in: engine) }

    func ids(_ user: String, k: Int = 20) throws -> [String] {
        try engine.recommend(RecommendationRequest(userID: user, k: k)).items.map(\.itemID)
    }

    func say(_ user: String, _ kind: PreferenceKind, _ target: String, undo: Bool = false) throws -> PreferenceChange {
        try engine.setPreference(userID: user, kind: kind, target: try PreferenceTarget(parsing: target), undo: undo).change
    }

    @Test func notInterestedInAnItemTakesItOffEverySurfaceAtOnceAndUndoBringsItBack() throws {
        try train()
        let user = try person(1)
        let before = try ids(user)
        let unwanted = before[0]
        #expect(try say(user, .notInterested, "item:\(unwanted)").outcome == "added")
        #expect(try say(user, .notInterested, "item:\(unwanted)").outcome == "unchanged", "said twice, stored once")
        // Recommendations, at every list length and through the filters.
        for k in [1, 5, 20, 100] { #expect(try !ids(user, k: k).contains(unwanted)) }
        var filtered = RecommendationRequest(userID: user, k: 50)
        filtered.includeCategories = [try #require(try engine.recommend(RecommendationRequest(userID: user, k: 1)).items.first?.category)]
        #expect(try !engine.recommend(filtered).items.map(\.itemID).contains(unwanted))
        // Similar items to anything near it, when the person is named.
        let neighbour = before[1]
        let similar = try engine.similarItems(to: neighbour, k: 50).items.map(\.itemID)
        #expect(similar.contains(unwanted), "the item is a neighbour for everyone else")
        #expect(try !engine.similarItems(to: neighbour, k: 50, userID: user).items.map(\.itemID).contains(unwanted))
        // What the API shows (and logs) likewise.
        let (shown, impression) = try engine.recommendForDisplay(RecommendationRequest(userID: user, k: 100))
        #expect(!shown.items.map(\.itemID).contains(unwanted))
        #expect(!impression.items.map(\.itemID).contains(unwanted))

        #expect(try say(user, .notInterested, "item:\(unwanted)", undo: true).outcome == "removed")
        #expect(try ids(user) == before, "undo restores the list exactly")
    }

    @Test func notInterestedInACategoryOrBrandCoversEveryItemInIt() throws {
        try train()
        let user = try person(2)
        let list = try engine.recommend(RecommendationRequest(userID: user, k: 20)).items
        let category = try #require(list.first?.category)
        let top = String(category.split(separator: "/")[0])
        _ = try say(user, .notInterested, "category:\(top.uppercased())")
        let after = try engine.recommend(RecommendationRequest(userID: user, k: 100)).items
        #expect(after.count == 100)
        #expect(after.allSatisfy { !($0.category ?? "").hasPrefix(top + "/") && $0.category != top }, "a path covers what is below it")

        let brands = try engine.database.writer.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT item_id, json_extract(attributes, '$.brand') FROM items").map {
                    (($0[0] as String), ($0[1] as String?) ?? "")
                })
        }
        let brand = try #require(brands[after[0].itemID])
        _ = try say(user, .notInterested, "brand:\(brand)")
        let noBrand = try ids(user, k: 60)
        #expect(!noBrand.isEmpty)
        #expect(noBrand.allSatisfy { brands[$0] != brand })
    }

    @Test func aStrangersListAndOneWithoutAModelRespectItToo() throws {
        // Before any model: the popular items, without what the person turned down.
        let user = "someone-new"
        let popular = try ids(user, k: 5)
        _ = try say(user, .notInterested, "item:\(popular[0])")
        #expect(try !ids(user, k: 5).contains(popular[0]))
        #expect(try ids("another-stranger", k: 5).contains(popular[0]))
        // With a model, the non-personalized ranking likewise.
        try train()
        let ranked = try ids(user, k: 5)
        _ = try say(user, .notInterested, "item:\(ranked[0])")
        #expect(try !ids(user, k: 30).contains(ranked[0]))
    }

    @Test func trainingLeavesOutWhatAPersonSaidTheyDoNotWant() throws {
        try train()
        let user = try person(1)
        let pseudonym = engine.pseudonym(of: user)
        let (userPK, itemPK, itemID) = try engine.database.writer.read { db in
            let userPK = try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [pseudonym])!
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT e.item_pk, i.item_id FROM events e JOIN items i USING (item_pk)
                    WHERE e.user_pk = ? GROUP BY e.item_pk ORDER BY count(*) DESC LIMIT 1
                    """, arguments: [userPK])!
            return (userPK, row[0] as Int64, row[1] as String)
        }
        func learnt() throws -> Bool {
            let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: false)
            let row = try #require(data.userIndex[userPK])
            let column = try #require(data.itemIndex[itemPK])
            return (0..<data.log.count).contains { data.log.users[$0] == row && data.log.items[$0] == column }
        }
        #expect(try learnt())
        _ = try say(user, .notInterested, "item:\(itemID)")
        #expect(try !learnt(), "their events with it no longer pull them toward it")
        _ = try say(user, .notInterested, "item:\(itemID)", undo: true)
        #expect(try learnt())
    }

    @Test func aReasonTurnedOffNoLongerExplainsAnything() throws {
        try train("hybrid")
        var user: String?
        for n in 1...40 {
            let candidate = try person(n)
            if try engine.recommend(RecommendationRequest(userID: candidate, k: 10)).items.contains(where: { $0.reason.hasPrefix("because you bought") }) {
                user = candidate
                break
            }
        }
        let buyer = try #require(user)
        _ = try say(buyer, .reasonOff, "reason:purchases")
        let after = try engine.recommend(RecommendationRequest(userID: buyer, k: 20))
        #expect(!after.items.contains { $0.reason.hasPrefix("because you bought") })
        // What they bought is still left out of discovery lists: turning a reason off is not un-buying.
        let bought = try engine.database.writer.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT i.item_id FROM events e JOIN items i USING (item_pk) JOIN users u USING (user_pk)
                    WHERE u.pseudonym = ? AND e.type = 'purchase'
                    """, arguments: [engine.pseudonym(of: buyer)])
        }
        #expect(Set(after.items.map(\.itemID)).isDisjoint(with: bought))
    }

    @Test func moreLikeThisLiftsTheCategoryAskedFor() throws {
        try train()
        let user = try person(3)
        let before = try engine.recommend(RecommendationRequest(userID: user, k: 10)).items
        let categories = Set(before.map(\.category))
        let wanted = try engine.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT category FROM items WHERE category IS NOT NULL ORDER BY category")
        }.first { !categories.contains($0) }
        let category = try #require(wanted)
        _ = try say(user, .moreLikeThis, "category:\(category)")
        let after = try engine.recommend(RecommendationRequest(userID: user, k: 10)).items
        let lifted = after.filter { $0.category == category }
        #expect(!lifted.isEmpty, "a category absent from their top 10 now appears in it")
        #expect(lifted.allSatisfy { $0.reason == "more like what you asked for" })
    }

    @Test func preferencesAreExportedAndErasedWithThePerson() throws {
        let user = "c00005"
        let item = try ids(user, k: 1)[0]
        _ = try say(user, .notInterested, "item:\(item)")
        let document = try JSONSerialization.jsonObject(with: try engine.export(userID: user).document) as? [String: Any]
        let tables = try #require((document?["tables"] as? [String: Any]) ?? (document?["data"] as? [String: Any]))
        let rows = try #require(tables["preferences"] as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["target"] as? String == item)
        _ = try engine.forget(userID: user)
        #expect(try DatabaseSnapshot.count("preferences", in: engine.database) == 0)
    }

    @Test func malformedPreferencesAreRefusedNamingTheField() throws {
        let user = "c00001"
        func field(_ body: String) -> String? {
            do {
                _ = try engine.setPreference(userID: user, body: Data(body.utf8))
                return nil
            } catch let problem as RequestProblem { return problem.field } catch { return "?" }
        }
        #expect(field(#"{"kind": "hate", "target": "item:P00001"}"#) == "kind")
        #expect(field(#"{"kind": "not_interested"}"#) == "target")
        #expect(field(#"{"kind": "not_interested", "target": "colour:red"}"#) == "target")
        #expect(field(#"{"kind": "not_interested", "target": "item:NOPE"}"#) == "target")
        #expect(field(#"{"kind": "not_interested", "target": "category:nowhere"}"#) == "target")
        #expect(field(#"{"kind": "not_interested", "target": "reason:purchases"}"#) == "target")
        #expect(field(#"{"kind": "reason_off", "target": "item:P00001"}"#) == "target")
        #expect(field(#"{"kind": "reason_off", "target": "reason:money"}"#) == "target")
        #expect(field(#"{"kind": "not_interested", "target": "item:P00001", "undo": "yes"}"#) == "undo")
        #expect(field(#"{"kind": "not_interested", "target": "item:P00001", "why": 1}"#) == "why")
        #expect(try DatabaseSnapshot.count("preferences", in: engine.database) == 0, "nothing half-written")
        #expect(try DatabaseSnapshot.count("users", in: engine.database, where: "pseudonym = '\(engine.pseudonym(of: "c00001"))'") == 1)
    }
}
