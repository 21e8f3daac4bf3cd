import Foundation
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

/// `GET /v1/users/{id}/page` on the real server: the page as a storefront gets it, its blocks
/// logged one impression each, and a stranger's page without the person's token.
@Suite struct PageRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    /// A page experiment through HTTP: created with `surface: home`, its layout served to the
    /// people in the variant, and their first exposure recorded from the blocks' impressions.
    @Test func aPageExperimentServesItsLayoutAndRecordsExposures() async throws {
        let harness = self.harness
        try await harness.withServer { client, _ in
            let created = try await client.call(
                .post, "/v1/experiments", key: harness.adminKey,
                json: #"{"key": "home-layout", "surface": "home", "variants": [{"name": "control"}, {"name": "lean", "strategy": "layout:trending-in-segment,for-you"}]}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let misplaced = try await client.call(
                .post, "/v1/experiments", key: harness.adminKey,
                json: #"{"key": "bad", "variants": [{"name": "a"}, {"name": "b", "strategy": "layout:for-you"}]}"#)
            #expect(misplaced.status == .badRequest && misplaced.error["field"] as? String == "variants")
            var seen: [String: Int] = [:]
            for number in 1...40 {
                let person = String(format: "c%05d", number)
                let page = try await client.call(.get, "/v1/users/\(person)/page", key: harness.adminKey)
                #expect(page.status == .ok)
                guard let variant = page.object["variant"] as? String else { continue }
                seen[variant, default: 0] += 1
                let keys = (page.object["blocks"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
                if variant == "lean" {
                    #expect(keys == ["trending-in-segment", "for-you"])
                    #expect(page.object["order"] as? String == "experiment home-layout layout")
                } else {
                    #expect(keys.first == "for-you", "the shop's order: \(keys)")
                }
            }
            #expect((seen["lean"] ?? 0) > 0 && (seen["control"] ?? 0) > 0, "\(seen)")
            let exposed = seen.values.reduce(0, +)
            #expect(
                try await eventually {
                    try DatabaseSnapshot.count("experiment_exposures", in: harness.database, where: "experiment = 'home-layout'") == exposed
                })
        }
    }

    @Test func aPageArrivesWithItsBlocksAndEachBlockIsLogged() async throws {
        let harness = self.harness
        let user = "c00003"
        try await harness.withServer { client, _ in
            let response = try await client.call(.get, "/v1/users/\(user)/page?surface=home", key: harness.publicKey, token: harness.token(user))
            #expect(response.status == .ok)
            let blocks = try #require(response.object["blocks"] as? [[String: Any]])
            #expect(blocks.count >= 3)
            #expect(response.object["personalized"] as? Bool == true)
            for block in blocks {
                #expect(!(block["title"] as? String ?? "").isEmpty)
                #expect(!(block["items"] as? [[String: Any]] ?? []).isEmpty)
            }
            let requestIDs = blocks.compactMap { $0["request_id"] as? String }
            #expect(Set(requestIDs).count == blocks.count)
            for (block, requestID) in zip(blocks, requestIDs) {
                let key = try #require(block["key"] as? String)
                #expect(
                    try await eventually {
                        try DatabaseSnapshot.count(
                            "impressions", in: harness.database, where: "request_id = '\(requestID)' AND block = '\(key)'") == 1
                    })
            }
            // Without the person's token, a stranger's page, logged for nobody.
            let stranger = try await client.call(.get, "/v1/users/\(user)/page", key: harness.publicKey)
            #expect(stranger.status == .ok)
            #expect(stranger.object["personalized"] as? Bool == false)

            let product = try await client.call(.get, "/v1/users/\(user)/page?surface=product&item=P00010", key: harness.publicKey)
            #expect(product.status == .ok)
            #expect((product.object["blocks"] as? [[String: Any]])?.contains { $0["key"] as? String == "similar" } == true)
            let missing = try await client.call(.get, "/v1/users/\(user)/page?surface=product", key: harness.publicKey)
            #expect(missing.status == .badRequest)
            #expect(missing.error["field"] as? String == "item")
            let unknown = try await client.call(.get, "/v1/users/\(user)/page?surface=kitchen", key: harness.publicKey)
            #expect(unknown.error["field"] as? String == "surface")
            let gone = try await client.call(.get, "/v1/users/\(user)/page?surface=product&item=NOPE", key: harness.publicKey)
            #expect(gone.status == .notFound)
            // An empty or blank id is wrong, not "none" (the schema's Identifier).
            let empty = try await client.call(.get, "/v1/users/\(user)/page?item=", key: harness.publicKey)
            #expect(empty.status == .badRequest && empty.error["field"] as? String == "item")
            let blank = try await client.call(.get, "/v1/items/P00010/similar?user_id=%0C", key: harness.publicKey)
            #expect(blank.status == .badRequest && blank.error["field"] as? String == "user_id")
        }
    }
}
