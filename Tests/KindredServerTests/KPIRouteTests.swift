import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredTestSupport
import NIOCore
import Testing

@testable import KindredEngine

/// `GET /v1/kpis`: responses served through the API and the clicks that follow them are in
/// the KPIs as soon as they are filed, broken down as `kindred kpis` breaks them down; what
/// the command refuses, the route refuses, for administrators only.
@Suite struct KPIRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(users: 120, items: 60, events: 3000)
    }

    @Test func servedListsAndTheClicksThatFollowThemAreCountedByDeviceAndPosition() async throws {
        let (adminKey, publicKey, harness) = (harness.adminKey, harness.publicKey, self.harness)
        try await harness.withServer { client, _ in
            let before = try await client.call(.get, "/v1/kpis", key: adminKey)
            #expect(before.status == .ok, "\(before.text)")
            let lastDay = try #require(before.object["to"] as? String)
            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            // Two lists on a phone, one on a desktop; the phone's first list gets a click at position 2.
            var requestIDs: [String] = []
            for device in ["mobile", "mobile", "desktop"] {
                let served = try await client.call(
                    .get, "/v1/users/c00001/recommendations?k=4&device=\(device)&country=GB", key: publicKey, token: harness.token("c00001"))
                #expect(served.status == .ok)
                requestIDs.append(try #require(served.object["request_id"] as? String))
                if requestIDs.count == 1 {
                    let second = try #require((served.object["items"] as? [[String: Any]])?[1]["item_id"] as? String)
                    let click =
                        #"{"events": [{"type": "click", "user_id": "c00001", "item_id": "\#(second)", "request_id": "\#(requestIDs[0])", "ts": \#(Int64(Date().timeIntervalSince1970 * 1000)), "device": "mobile", "country": "GB"}]}"#
                    let posted = try await client.call(.post, "/v1/events", key: publicKey, token: harness.token("c00001"), json: click)
                    #expect(posted.status == .ok && posted.object["stored"] as? Int == 1, "\(posted.text)")
                }
            }
            func kpis(_ query: String) async throws -> [String: Any] {
                let response = try await client.call(.get, "/v1/kpis?from=\(today)&to=\(today)" + query, key: adminKey)
                #expect(response.status == .ok, "\(response.text)")
                return response.object
            }
            #expect(
                try await eventually {
                    let totals = try await kpis("")["totals"] as? [String: Any]
                    return totals?["lists"] as? Int == 3 && totals?["recommendation_clicks"] as? Int == 1
                }, "counted once logged and filed")
            let whole = try await kpis("")
            let totals = whole["totals"] as! [String: Any]
            #expect(totals["impressions"] as? Int == 12 && totals["ctr"] as? Double == 1.0 / 12)
            #expect((whole["rows"] as! [[String: Any]]).map { $0["day"] as! String } == [today])
            #expect(whole["source"] as? String != nil && (whole["definitions"] as? [String: String])?["ctr"] != nil)

            let byDevice = (try await kpis("&by=device"))["rows"] as! [[String: Any]]
            let mobile = try #require(byDevice.first { $0["value"] as? String == "mobile" })
            #expect(mobile["lists"] as? Int == 2 && mobile["impressions"] as? Int == 8 && mobile["recommendation_clicks"] as? Int == 1)
            let desktop = try #require(byDevice.first { $0["value"] as? String == "desktop" })
            #expect(desktop["lists"] as? Int == 1 && desktop["impressions"] as? Int == 4 && desktop["recommendation_clicks"] as? Int == 0)

            let byPosition = (try await kpis("&by=position"))["rows"] as! [[String: Any]]
            #expect(byPosition.map { $0["value"] as! String } == ["1", "2", "3", "4"])
            #expect(byPosition.map { $0["recommendation_clicks"] as! Int } == [0, 1, 0, 0])
            #expect(byPosition.map { $0["impressions"] as! Int } == [3, 3, 3, 3])
            #expect(lastDay <= today)

            // The command's refusals, with the field at fault.
            for (query, field) in [
                ("by=colour", "by"), ("from=2026-13-01", "from"), ("from=2026-11-10&to=2026-11-01", "to"), ("daily=true", "daily"), ("to=", "to"),
                ("by=", "by"),
            ] {
                let refused = try await client.call(.get, "/v1/kpis?" + query, key: adminKey)
                #expect(refused.status == .badRequest, "\(query)")
                #expect(refused.error["field"] as? String == field, "\(query): \(refused.text)")
            }
            #expect(try await client.call(.get, "/v1/kpis", key: publicKey).status == .forbidden)
        }
    }
}
