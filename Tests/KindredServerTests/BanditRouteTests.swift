import Foundation
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The bandit while the server runs: a click filed over HTTP moves it without anyone asking,
/// and its versions and replays are there for administrators.
@Suite struct BanditRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    @Test func aClickFiledOverHTTPReachesTheBanditWithoutAnUpdateCommand() async throws {
        let harness = self.harness
        _ = try harness.engine.setSetting("exploration.recommendations.policy", to: "thompson")
        try await harness.withServer { client, _ in
            let response = try await client.call(
                .get, "/v1/users/c00001/recommendations?k=5&device=mobile&country=GB&region=Bavaria&hour=8", key: harness.publicKey,
                token: harness.token("c00001"))
            #expect(response.status == .ok)
            let requestID = try #require(response.object["request_id"] as? String)
            let items = try #require(response.object["items"] as? [[String: Any]])
            #expect(items.allSatisfy { ($0["probability"] as? Double ?? 0) > 0 && $0["explored"] is Bool })
            // The server's updater folds the displayed list in, then the click that follows it.
            #expect(try await eventually { try harness.engine.banditStatus().first?.displays == 5 })
            // The request's context is in the list's record.
            let context = try DatabaseSnapshot.strings(
                "SELECT json_extract(exploration, '$.context.region') || ' ' || json_extract(exploration, '$.context.device') FROM impressions WHERE request_id = '\(requestID)'",
                in: harness.database)
            #expect(context == ["bavaria mobile"])
            let clicked = items[1]["item_id"] as! String
            let click =
                #"{"events": [{"type": "click", "user_id": "c00001", "item_id": "\#(clicked)", "ts": "2026-11-24T12:00:00Z", "request_id": "\#(requestID)"}]}"#
            #expect(try await client.call(.post, "/v1/events", key: harness.publicKey, json: click).status == .ok)
            #expect(try await eventually { try harness.engine.banditStatus().first?.outcomes == 1 })
            #expect(try harness.engine.banditStatus().first?.rewardTotal == 1)

            let listed = try await client.call(.get, "/v1/bandits", key: harness.adminKey)
            let bandits = try #require(listed.object["bandits"] as? [[String: Any]])
            #expect(bandits.first?["policy"] as? String == "thompson" && bandits.first?["displays"] as? Int == 5)
            #expect(try await client.call(.get, "/v1/bandits", key: harness.publicKey).status == .forbidden)

            let replay = try await client.call(.get, "/v1/impressions/\(requestID)/replay", key: harness.adminKey)
            #expect(replay.status == .ok && replay.object["reproduced"] as? Bool == true)
            #expect(try await client.call(.get, "/v1/impressions/nope/replay", key: harness.adminKey).status == .notFound)

            let reset = try await client.call(.post, "/v1/bandits/recommendations/reset", key: harness.adminKey)
            #expect(reset.status == .ok && reset.object["version"] as? Int == 2 && reset.object["retired"] as? Int == 1)
            #expect(try await client.call(.post, "/v1/bandits/pages/reset", key: harness.adminKey).status == .badRequest)
        }
    }
}
