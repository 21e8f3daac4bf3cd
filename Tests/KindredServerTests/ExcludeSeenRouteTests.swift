import Foundation
import GRDB
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// `exclude_seen` and `exclude_purchased` on `GET /v1/users/{id}/recommendations`: the same
/// rule as `kindred recommend --exclude-seen`, checked the same way.
@Suite struct ExcludeSeenRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    @Test func theQueryLeavesOutWhatThePersonSawAndRefusesWhatIsNotAFlag() async throws {
        // Someone whose lists are personalized: without that consent their history is not
        // used, for this as for anything else.
        let person = try (1...50).map { String(format: "c%05d", $0) }.first {
            try harness.engine.recommend(RecommendationRequest(userID: $0, k: 1)).personalized
        }!
        let pseudonym = harness.engine.database.pseudonymizer.pseudonym(of: person)
        let seen = Set(
            try await harness.engine.database.writer.read { db in
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT i.item_id FROM events AS e JOIN items AS i ON i.item_pk = e.item_pk
                        JOIN users AS u ON u.user_pk = e.user_pk WHERE u.pseudonym = ?
                        """, arguments: [pseudonym])
            })
        #expect(!seen.isEmpty)
        try await harness.withServer { client, _ in
            func items(_ query: String) async throws -> [String] {
                let response = try await client.call(.get, "/v1/users/\(person)/recommendations?k=30\(query)", key: harness.adminKey)
                #expect(response.status == .ok, "\(query)")
                return (response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["item_id"] as? String }
            }
            let fresh = try await items("&exclude_seen=true")
            #expect(fresh.count == 30 && !fresh.contains(where: seen.contains))
            #expect(try await items("&exclude_seen=false&exclude_purchased=false").contains(where: seen.contains))
            let bad = try await client.call(.get, "/v1/users/\(person)/recommendations?exclude_seen=maybe", key: harness.adminKey)
            #expect(bad.status == .badRequest && bad.error["field"] as? String == "exclude_seen")
        }
    }
}
