import Foundation
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

/// `POST /v1/users/{id}/preferences` on the real server: who may say it, that it sticks on
/// every surface, and that an open stream sends the list again without the item.
@Suite struct PreferenceRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    static func ids(_ response: TestResponse) -> [String] {
        (response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["item_id"] as? String }
    }

    @Test func aPersonSaysNotInterestedWithTheirTokenAndItSticksEverywhere() async throws {
        let harness = self.harness
        let user = "c00003"
        let token = harness.token(user)
        try await harness.withServer { client, _ in
            let path = "/v1/users/\(user)/recommendations?k=30"
            let before = Self.ids(try await client.call(.get, path, key: harness.publicKey, token: token))
            let unwanted = try #require(before.first)
            let body = #"{"kind": "not_interested", "target": "item:\#(unwanted)"}"#
            // A storefront key alone, or another person's token, may not speak for them.
            let anonymous = try await client.call(.post, "/v1/users/\(user)/preferences", key: harness.publicKey, json: body)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.error["code"] as? String == "token_required")
            let other = try await client.call(
                .post, "/v1/users/\(user)/preferences", key: harness.publicKey, token: harness.token("c00004"), json: body)
            #expect(other.error["code"] as? String == "token_mismatch")

            let said = try await client.call(.post, "/v1/users/\(user)/preferences", key: harness.publicKey, token: token, json: body)
            #expect(said.status == .created)
            #expect(said.object["outcome"] as? String == "added")
            let again = try await client.call(.post, "/v1/users/\(user)/preferences", key: harness.publicKey, token: token, json: body)
            #expect(again.status == .ok)
            #expect(again.object["outcome"] as? String == "unchanged")

            for k in [1, 10, 100] {
                let list = Self.ids(try await client.call(.get, "/v1/users/\(user)/recommendations?k=\(k)", key: harness.publicKey, token: token))
                #expect(!list.contains(unwanted))
            }
            let neighbour = before[1]
            let similar = Self.ids(try await client.call(.get, "/v1/items/\(neighbour)/similar?k=100", key: harness.publicKey))
            #expect(similar.contains(unwanted))
            let theirs = Self.ids(
                try await client.call(.get, "/v1/items/\(neighbour)/similar?k=100&user_id=\(user)", key: harness.publicKey, token: token))
            #expect(!theirs.contains(unwanted))
            // Without their token, naming them changes nothing: the list must not reveal what they said.
            let guessed = Self.ids(try await client.call(.get, "/v1/items/\(neighbour)/similar?k=100&user_id=\(user)", key: harness.publicKey))
            #expect(guessed == similar)

            let listed = try await client.call(.get, "/v1/users/\(user)/preferences", key: harness.publicKey, token: token)
            #expect((listed.object["preferences"] as? [[String: Any]])?.first?["target"] as? String == unwanted)
            #expect(try await client.call(.get, "/v1/users/\(user)/preferences", key: harness.publicKey).status == .unauthorized)

            let undone = try await client.call(
                .post, "/v1/users/\(user)/preferences", key: harness.adminKey,
                json: #"{"kind": "not_interested", "target": "item:\#(unwanted)", "undo": true}"#)
            #expect(undone.object["outcome"] as? String == "removed")
            #expect(Self.ids(try await client.call(.get, path, key: harness.publicKey, token: token)) == before)
        }
    }

    @Test func badBodiesAreRefusedWithTheFieldAndTheSameWordsAsTheCommandLine() async throws {
        let harness = self.harness
        try await harness.withServer { client, _ in
            for (body, field) in [
                (#"{"kind": "hate", "target": "item:P00001"}"#, "kind"),
                (#"{"kind": "not_interested", "target": "item:NOPE"}"#, "target"),
                (#"{"kind": "reason_off", "target": "reason:money"}"#, "target"),
                (#"{"kind": "not_interested", "target": "item:P00001", "extra": 1}"#, "extra"),
            ] {
                let response = try await client.call(.post, "/v1/users/c00001/preferences", key: harness.adminKey, json: body)
                #expect(response.status.code / 100 == 4, "\(body)")
                #expect(response.error["field"] as? String == field, "\(body)")
            }
            let notJSON = try await client.call(.post, "/v1/users/c00001/preferences", key: harness.adminKey, json: "kind=x")
            #expect(notJSON.status == .badRequest)
        }
        #expect(try DatabaseSnapshot.count("preferences", in: harness.database) == 0)
    }

    @Test func anOpenStreamSendsTheListAgainWithoutWhatThePersonTurnedDown() async throws {
        let harness = self.harness
        let user = "c00003"
        let token = harness.token(user)
        try await harness.withServer({ $0.streamHeartbeat = 0.2 }) { client, _ in
            let connection = try SlowClientTests.RawConnection(port: client.port!)
            connection.send(
                "GET /v1/users/\(user)/recommendations/stream?k=5&token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(harness.publicKey)\r\n\r\n"
            )
            var text = await connection.awaitText(timeout: 20) { RecommendationStreamTests.lists(in: $0).count >= 1 }
            let first = try #require(RecommendationStreamTests.lists(in: text).first)
            let items = (first["items"] as? [[String: Any]] ?? []).compactMap { $0["item_id"] as? String }
            let unwanted = try #require(items.first)
            let said = try await client.call(
                .post, "/v1/users/\(user)/preferences", key: harness.publicKey, token: token,
                json: #"{"kind": "not_interested", "target": "item:\#(unwanted)"}"#)
            #expect(said.status == .created)
            text = await connection.awaitText(after: text, timeout: 20) { RecommendationStreamTests.lists(in: $0).count >= 2 }
            let lists = RecommendationStreamTests.lists(in: text)
            let second = try #require(lists.count >= 2 ? lists[1] : nil, "a new list once they said it")
            let after = (second["items"] as? [[String: Any]] ?? []).compactMap { $0["item_id"] as? String }
            #expect(!after.contains(unwanted))
            #expect(after.count == 5)
        }
    }
}
