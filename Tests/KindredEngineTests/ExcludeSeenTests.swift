import Foundation
import GRDB
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// "Exclude seen" for discovery slots: per surface (`serving.exclude_seen.recommendations`,
/// `serving.exclude_seen.pages`), and per request (`exclude_seen`).
@Suite struct ExcludeSeenTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    /// What a person has done anything with, from the database itself.
    func seen(_ user: String) throws -> Set<String> {
        let pseudonym = engine.database.pseudonymizer.pseudonym(of: user)
        return try engine.database.writer.read { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT i.item_id FROM events AS e JOIN items AS i ON i.item_pk = e.item_pk
                        JOIN users AS u ON u.user_pk = e.user_pk WHERE u.pseudonym = ?
                        """, arguments: [pseudonym]))
        }
    }

    /// The first personalized person whose plain list shows something they have seen, so
    /// that leaving it out is a visible change.
    func personWithSeenItemsInTheirList() throws -> (id: String, seen: Set<String>) {
        for n in 1...20 {
            let id = try SmallShop.person(n, in: engine)
            let seen = try seen(id)
            let items = try engine.recommend(RecommendationRequest(userID: id, k: 20)).items.map(\.itemID)
            if items.contains(where: seen.contains) { return (id, seen) }
        }
        throw CocoaError(.featureUnsupported)
    }

    @Test func aRequestOrTheSurfaceSettingLeavesOutWhatThePersonSaw() throws {
        let (person, seen) = try personWithSeenItemsInTheirList()
        var request = RecommendationRequest(userID: person, k: 20)
        request.excludeSeen = true
        let fresh = try engine.recommend(request)
        #expect(fresh.personalized && fresh.items.count == 20)
        #expect(!fresh.items.contains { seen.contains($0.itemID) })

        _ = try engine.setSetting("serving.exclude_seen.recommendations", to: "on")
        let bySetting = try engine.recommend(RecommendationRequest(userID: person, k: 20))
        #expect(bySetting.items.map(\.itemID) == fresh.items.map(\.itemID))
        // The request may still ask for everything.
        request.excludeSeen = false
        #expect(try engine.recommend(request).items.contains { seen.contains($0.itemID) })
        #expect(throws: RequestProblem.self) { _ = try engine.setSetting("serving.exclude_seen.recommendations", to: "yes") }
    }

    @Test func pagesFollowTheirOwnSettingButContinueStillShowsWhatWasSeen() throws {
        let (person, seen) = try personWithSeenItemsInTheirList()
        _ = try engine.setSetting("serving.exclude_seen.recommendations", to: "on")
        let before = try engine.pageForDisplay(PageRequest(userID: person, surface: .home)).0
        let forYouBefore = before.blocks.first { $0.key == "for-you" }?.items.map(\.itemID) ?? []
        #expect(forYouBefore.contains(where: seen.contains), "the pages' own setting is still off")

        _ = try engine.setSetting("serving.exclude_seen.pages", to: "on")
        let after = try engine.pageForDisplay(PageRequest(userID: person, surface: .home)).0
        for block in after.blocks where block.source != "continue" {
            #expect(!block.items.contains { seen.contains($0.itemID) }, "\(block.key)")
        }
        if let continuing = after.blocks.first(where: { $0.source == "continue" }) {
            #expect(continuing.items.allSatisfy { seen.contains($0.itemID) })
        }
    }
}
