import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredTestSupport
import Testing

/// Every refusal is the one JSON envelope with a 4xx status, whatever refused it: the key
/// check, the router, the body limit or a route's own validation.
@Suite struct ErrorEnvelopeTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    func expectEnvelope(_ response: TestResponse, _ status: HTTPResponse.Status, code: String, field: String? = nil) {
        #expect(response.status == status, "\(response.text)")
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        #expect(response.error["code"] as? String == code, "\(response.text)")
        #expect((response.error["message"] as? String)?.isEmpty == false)
        #expect(response.error["field"] as? String == field)
    }

    @Test func keysAreCheckedAndRolesEnforced() async throws {
        let (publicKey, adminKey) = (harness.publicKey, harness.adminKey)
        try await harness.withServer { client, _ in
            let path = "/v1/users/c00001/recommendations"
            expectEnvelope(try await client.call(.get, path), .unauthorized, code: "missing_key")
            expectEnvelope(try await client.call(.get, path, key: "kd_pub_00000000.nonsense"), .unauthorized, code: "invalid_key")
            #expect(try await client.call(.get, path, key: publicKey).status == .ok)
            #expect(try await client.call(.get, path, key: adminKey).status == .ok, "an admin key may do what a public key may")
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Api-Key")!] = publicKey
            #expect(try await client.call(.get, path, headers: headers).status == .ok)
            // Public keys are for the storefront only.
            expectEnvelope(try await client.call(.get, "/v1/models", key: publicKey), .forbidden, code: "forbidden")
            expectEnvelope(try await client.call(.put, "/v1/items/X", key: publicKey, json: "{}"), .forbidden, code: "forbidden")
            expectEnvelope(try await client.call(.get, "/metrics", key: publicKey), .forbidden, code: "forbidden")
            // The health check needs no key.
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }

    @Test func revokedKeysStopWorkingAtOnce() async throws {
        let harness = self.harness
        try await harness.withServer { client, _ in
            let key = try harness.engine.createKey(role: .public, label: "temporary")
            #expect(try await client.call(.get, "/v1/users/u/recommendations", key: key.key).status == .ok)
            try harness.engine.revokeKey(key.keyID)
            expectEnvelope(try await client.call(.get, "/v1/users/u/recommendations", key: key.key), .unauthorized, code: "invalid_key")
        }
        // Only hashes are stored.
        let stored = try DatabaseSnapshot.strings("SELECT secret_hash FROM api_keys", in: harness.database)
        #expect(stored.count == 3)
        #expect(!stored.contains(harness.publicKey) && stored.allSatisfy { $0.count == 64 })
    }

    @Test func badRequestsGetTheEnvelope() async throws {
        let (publicKey, adminKey) = (harness.publicKey, harness.adminKey)
        try await harness.withServer { client, _ in
            expectEnvelope(try await client.call(.get, "/v1/nowhere", key: publicKey), .notFound, code: "http_404")
            expectEnvelope(try await client.call(.post, "/v1/events", key: publicKey, json: "{not json"), .badRequest, code: "invalid_json")
            expectEnvelope(try await client.call(.post, "/v1/events", key: publicKey, json: "[1, 2]"), .badRequest, code: "invalid_json")
            expectEnvelope(
                try await client.call(.post, "/v1/events", key: publicKey, json: #"{"event": []}"#), .badRequest, code: "missing_field",
                field: "events")
            expectEnvelope(
                try await client.call(.post, "/v1/events", key: publicKey, json: #"{"events": {}}"#), .badRequest, code: "invalid_field",
                field: "events")
            expectEnvelope(
                try await client.call(.get, "/v1/users/u/recommendations?k=0", key: publicKey), .badRequest, code: "invalid_parameter",
                field: "k")
            expectEnvelope(
                try await client.call(.get, "/v1/users/u/recommendations?hour=25", key: publicKey), .badRequest, code: "invalid_parameter",
                field: "hour")
            expectEnvelope(
                try await client.call(.get, "/v1/users/u/recommendations?device=toaster", key: publicKey), .badRequest,
                code: "invalid_parameter", field: "device")
            expectEnvelope(
                try await client.call(.get, "/v1/items/NO-SUCH-ITEM/similar", key: publicKey), .notFound, code: "unknown_item",
                field: "item_id")
            let wrongMethod = try await client.call(.patch, "/v1/events", key: publicKey)
            expectEnvelope(wrongMethod, .methodNotAllowed, code: "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(try await client.call(.delete, "/v1/items/X/similar", key: publicKey).headers[.allow] == "GET")
            expectEnvelope(
                try await client.call(.post, "/v1/models/abc/activate", key: adminKey), .badRequest, code: "invalid_parameter",
                field: "version")
            expectEnvelope(
                try await client.call(.post, "/v1/models/999/activate", key: adminKey), .notFound, code: "unknown_model", field: "version")
            expectEnvelope(
                try await client.call(.delete, "/v1/items/NO-SUCH-ITEM", key: adminKey), .notFound, code: "unknown_item", field: "item_id")
            expectEnvelope(
                try await client.call(
                    .post, "/v1/consents", key: publicKey,
                    json: #"{"user_id": "u1", "purpose": "marketing", "granted": true, "ts": 1700000000}"#),
                .badRequest, code: "invalid_field", field: "purpose")
        }
    }

    @Test func bodiesAndBatchesAreLimited() async throws {
        let publicKey = harness.publicKey
        try await harness.withServer({ $0.maxBodyBytes = 64 << 10 }) { client, _ in
            let big = #"{"events": [""# + String(repeating: "x", count: 70 << 10) + #""]}"#
            expectEnvelope(try await client.call(.post, "/v1/events", key: publicKey, json: big), .contentTooLarge, code: "body_too_large")
        }
        // 1,001 small events fit the default body limit but not the batch limit.
        try await harness.withServer { client, _ in
            let event = #"{"type": "view", "item_id": "P00001", "ts": 1700000000}"#
            let tooMany = #"{"events": ["# + Array(repeating: event, count: 1001).joined(separator: ",") + "]}"
            expectEnvelope(
                try await client.call(.post, "/v1/events", key: publicKey, json: tooMany), .contentTooLarge, code: "batch_too_large",
                field: "events")
            let justRight = #"{"events": ["# + Array(repeating: event, count: 1000).joined(separator: ",") + "]}"
            #expect(try await client.call(.post, "/v1/events", key: publicKey, json: justRight).status == .ok)
        }
    }
}
