import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Catalog upkeep, consents, models and operations through the API.
@Suite struct AdministrationTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    @Test func catalogItemsAreCreatedUpdatedAndRemoved() async throws {
        let (adminKey, publicKey, harness) = (harness.adminKey, harness.publicKey, self.harness)
        try await harness.withServer { client, _ in
            let created = try await client.call(
                .put, "/v1/items/NEW-1", key: adminKey,
                json: #"{"title": "Enamel Mug", "category": "home/kitchen", "price": 7.5, "tags": ["mug", "enamel"], "colour": "blue"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.object["item_id"] as? String == "NEW-1")
            let updated = try await client.call(.put, "/v1/items/NEW-1", key: adminKey, json: #"{"price": 8, "in_stock": false}"#)
            #expect(updated.status == .ok)
            #expect(updated.object["created"] as? Bool == false)
            let row = try DatabaseSnapshot.strings(
                "SELECT title || '|' || category || '|' || price || '|' || in_stock || '|' || json_extract(attributes, '$.colour') FROM items WHERE item_id = 'NEW-1'",
                in: harness.database)
            #expect(row == ["Enamel Mug|home/kitchen|8.0|0|blue"], "an update leaves the fields it does not name as they were")
            let bad = try await client.call(.put, "/v1/items/NEW-1", key: adminKey, json: #"{"price": "cheap"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.error["field"] as? String == "price")

            // An item nobody interacted with is deleted; one with events stays as history.
            let deleted = try await client.call(.delete, "/v1/items/NEW-1", key: adminKey)
            #expect(deleted.object["removal"] as? String == "deleted")
            #expect(try DatabaseSnapshot.count("items", in: harness.database, where: "item_id = 'NEW-1'") == 0)

            // A removed item stops being recommended once the server reloads the catalog.
            let path = "/v1/users/c00001/recommendations?k=3"
            let top = try #require(
                (try await client.call(.get, path, key: publicKey).object["items"] as? [[String: Any]])?.first?["item_id"] as? String)
            let retired = try await client.call(.delete, "/v1/items/\(top)", key: adminKey)
            #expect(retired.object["removal"] as? String == "retired")
            #expect(
                try DatabaseSnapshot.count(
                    "items", in: harness.database, where: "item_id = '\(top)' AND removed_ms IS NOT NULL AND in_stock = 0") == 1)
            let gone = try await eventually {
                let items = try await client.call(.get, path, key: publicKey).object["items"] as? [[String: Any]] ?? []
                let ids = items.compactMap { $0["item_id"] as? String }
                return !ids.isEmpty && !ids.contains(top)
            }
            #expect(gone)
            let similarToRemoved = try await client.call(.get, "/v1/items/\(top)/similar", key: publicKey)
            #expect(similarToRemoved.status == .notFound, "a removed item has no product page to fill")
            // Putting it back brings it back.
            #expect(try await client.call(.put, "/v1/items/\(top)", key: adminKey, json: #"{"in_stock": true}"#).status == .ok)
            #expect(try await client.call(.get, "/v1/items/\(top)/similar", key: publicKey).status == .ok)
        }
        #expect(
            try DatabaseSnapshot.count("audit_log", in: harness.database, where: "action IN ('item_create', 'item_update', 'item_remove')")
                == 5, "create, update, remove, remove, update")
        // Each names the admin key that did it.
        let keyID = String(harness.adminKey.split(separator: ".")[0])
        #expect(
            Set(try DatabaseSnapshot.strings("SELECT DISTINCT actor FROM audit_log WHERE action LIKE 'item_%'", in: harness.database))
                == ["api:\(keyID)"])
    }

    @Test func consentDecisionsAreAppended() async throws {
        let (publicKey, harness) = (harness.publicKey, self.harness)
        try await harness.withServer { client, _ in
            let body =
                #"{"user_id": "shopper-9", "purpose": "personalization", "granted": false, "ts": "2026-11-24T09:00:00Z", "source": "banner", "policy_version": "v3"}"#
            let token = harness.token("shopper-9")
            #expect(try await client.call(.post, "/v1/consents", key: publicKey, token: token, json: body).status == .created)
            let again = try await client.call(.post, "/v1/consents", key: publicKey, token: token, json: body)
            #expect(again.status == .ok)
            #expect(again.object["recorded"] as? Bool == false)
            let missing = try await client.call(
                .post, "/v1/consents", key: publicKey, json: #"{"purpose": "analytics", "granted": true, "ts": 1}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.error["field"] as? String == "user_id")
        }
        let pseudonym = harness.engine.pseudonym(of: "shopper-9")
        #expect(
            try DatabaseSnapshot.strings(
                "SELECT purpose || ':' || granted || ':' || source || ':' || policy_version FROM current_consents WHERE pseudonym = '\(pseudonym)'",
                in: harness.database) == ["personalization:0:banner:v3"])
    }

    @Test func modelsAreListedTrainedAndActivated() async throws {
        let (adminKey, publicKey, harness) = (harness.adminKey, harness.publicKey, self.harness)
        try await harness.withServer { client, _ in
            let listed = try await client.call(.get, "/v1/models", key: adminKey).object
            #expect(listed["serving_version"] as? Int == 1)
            #expect((listed["models"] as? [[String: Any]])?.map { $0["status"] as? String } == ["active"])

            let trained = try await client.call(.post, "/v1/models/train", key: adminKey)
            #expect(trained.status == .ok, "\(trained.text)")
            #expect(trained.object["version"] as? Int == 2)
            #expect(trained.object["algorithm"] as? String == "als", "retraining keeps the active model's algorithm")
            let activated = trained.object["activated"] as? Bool ?? false
            if activated {
                // The new version is loaded before the training request returns.
                #expect(
                    try await client.call(.get, "/v1/users/c00001/recommendations", key: publicKey).object["model_version"] as? Int == 2)
            }
            // Rolling back by hand swaps the serving model at once.
            let back = try await client.call(.post, "/v1/models/1/activate", key: adminKey)
            #expect(back.status == .ok)
            #expect(back.object["version"] as? Int == 1)
            #expect(try await client.call(.get, "/v1/users/c00001/recommendations", key: publicKey).object["model_version"] as? Int == 1)
            #expect(try await client.call(.get, "/healthz").object["serving_version"] as? Int == 1)
        }
        #expect(
            try DatabaseSnapshot.count(
                "jobs", in: harness.database,
                where: "kind = 'train' AND status = 'succeeded' AND json_extract(details, '$.trigger') = 'api'") == 1)
    }

    @Test func metricsCountRequestsPerRoute() async throws {
        let (adminKey, publicKey) = (harness.adminKey, harness.publicKey)
        try await harness.withServer { client, _ in
            for _ in 0..<3 { _ = try await client.call(.get, "/v1/users/c00002/recommendations", key: publicKey) }
            _ = try await client.call(
                .post, "/v1/events", key: publicKey, json: #"{"events": [{"type": "view", "item_id": "P00001", "ts": 1763600000}]}"#)
            let metrics = try await client.call(.get, "/metrics", key: adminKey)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains(#"kindred_http_requests_total{route="/v1/users/{id}/recommendations",method="GET",status="200"} 3"#))
            #expect(text.contains(#"kindred_http_request_duration_seconds_count{route="/v1/users/{id}/recommendations",method="GET"} 3"#))
            #expect(text.contains("kindred_events_stored_total 1"))
            #expect(text.contains("kindred_serving_model_version 1"))
            #expect(text.contains("kindred_events_waiting 0"), "a quiet server filed the event before answering")
            #expect(text.contains("kindred_events_filed_total 1"))
            #expect(text.contains("kindred_event_filing_seconds_total "))
            #expect(text.contains("kindred_group_commit_seconds_total "))
            #expect(text.contains("kindred_impressions_logged_total 30"))
            #expect(text.contains("kindred_training_duration_seconds_count 0"))
        }
    }

    @Test func browsersFromAllowedOriginsOnly() async throws {
        let publicKey = harness.publicKey
        try await harness.withServer({ $0.corsOrigins = ["https://shop.example"] }) { client, _ in
            var headers = HTTPFields()
            headers[.origin] = "https://shop.example"
            headers[.accessControlRequestMethod] = "POST"
            let preflight = try await client.call(.options, "/v1/events", headers: headers)
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            headers[.accessControlRequestMethod] = nil
            let simple = try await client.call(.get, "/v1/users/u/recommendations", key: publicKey, headers: headers)
            #expect(simple.headers[.accessControlAllowOrigin] == "https://shop.example")
            let denied = try await client.call(
                .get, "/v1/users/u/recommendations", key: publicKey, headers: [.origin: "https://evil.example"])
            #expect(denied.headers[.accessControlAllowOrigin] == nil)
            let deniedPreflight = try await client.call(
                .options, "/v1/events", headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            #expect(deniedPreflight.status == .forbidden)
        }
    }
}
