import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredTestSupport
import NIOCore
import Testing

@testable import KindredEngine

/// `GET /v1/segments` answers what `kindred segments report` prints, for administrators only;
/// `GET /v1/users/{id}/segments` answers an administrator, or the person with their own token.
@Suite struct SegmentRouteTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(users: 120, items: 60, events: 3000)
        var options = SegmentBuildOptions()
        options.k = 3
        _ = try harness.engine.buildSegments(options)
    }

    @Test func theReportAndAPersonsSegmentsAreServedToWhoMayReadThem() async throws {
        let (adminKey, publicKey, harness) = (harness.adminKey, harness.publicKey, self.harness)
        let expected = try harness.engine.segmentsReport(days: 30)
        try await harness.withServer { client, _ in
            let report = try await client.call(.get, "/v1/segments", key: adminKey)
            #expect(report.status == .ok, "\(report.text)")
            let segments = try #require(report.object["segments"] as? [[String: Any]])
            #expect(segments.map { $0["key"] as? String } == expected.segments.map(\.key))
            #expect(segments.map { $0["size"] as? Int } == expected.segments.map(\.size))
            #expect(segments.reduce(0) { $0 + ($1["size"] as? Int ?? 0) } == expected.people)
            #expect((report.object["segmentation"] as? [String: Any])?["algorithm"] as? String == "kmeans")
            #expect((report.object["definitions"] as? [String: String])?["ctr"] != nil)
            let refused = try await client.call(.get, "/v1/segments?days=0", key: adminKey)
            #expect(refused.status == .badRequest && refused.error["field"] as? String == "days")
            #expect(try await client.call(.get, "/v1/segments", key: publicKey).status == .forbidden)

            let person = try await client.call(.get, "/v1/users/c00001/segments", key: adminKey)
            #expect(person.status == .ok, "\(person.text)")
            let current = try #require(person.object["current"] as? [[String: Any]])
            #expect(current.count == 1 && (current[0]["key"] as? String)?.hasPrefix("cluster-") == true)
            let own = try await client.call(.get, "/v1/users/c00001/segments", key: publicKey, token: harness.token("c00001"))
            #expect(own.status == .ok)
            #expect(own.object["pseudonym"] as? String == person.object["pseudonym"] as? String)
            let withoutToken = try await client.call(.get, "/v1/users/c00001/segments", key: publicKey)
            #expect(withoutToken.status == .unauthorized && withoutToken.error["code"] as? String == "token_required")
            let someoneElse = try await client.call(.get, "/v1/users/c00002/segments", key: publicKey, token: harness.token("c00001"))
            #expect(someoneElse.status == .unauthorized && someoneElse.error["code"] as? String == "token_mismatch")
            let nobody = try await client.call(.get, "/v1/users/never-seen/segments", key: adminKey)
            #expect(nobody.status == .ok && (nobody.object["current"] as? [Any])?.isEmpty == true)
        }
    }

    /// The server's own update: with `segments.refresh_seconds` at 1, events posted for a person
    /// are reflected without any command (the segmentation's mark moves past them).
    @Test func theServerKeepsSegmentsCurrentOnItsOwn() async throws {
        let (publicKey, harness) = (harness.publicKey, self.harness)
        _ = try harness.engine.setSetting("segments.refresh_seconds", to: "1")
        let markBefore = try await harness.engine.database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT event_mark FROM segmentations WHERE retired_ms IS NULL")
        }
        try await harness.withServer { client, _ in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let body = #"{"events": [{"type": "purchase", "user_id": "c00003", "item_id": "P00001", "ts": \#(now), "value": 1, "price": 9, "device": "mobile"}]}"#
            let posted = try await client.call(.post, "/v1/events", key: publicKey, token: harness.token("c00003"), json: body)
            #expect(posted.status == .ok, "\(posted.text)")
            #expect(
                try await eventually(timeout: 15) {
                    let (mark, refreshed) = try await harness.engine.database.writer.read { db in
                        (
                            try Int64.fetchOne(db, sql: "SELECT event_mark FROM segmentations WHERE retired_ms IS NULL"),
                            try Int64.fetchOne(db, sql: "SELECT refreshed_ms FROM segmentations WHERE retired_ms IS NULL")
                        )
                    }
                    return (mark ?? 0) > (markBefore ?? 0) && refreshed != nil
                }, "the update ran and saw the purchase")
        }
    }

    /// Filing moves a person at once: with the full update an hour away, a person in the
    /// low-spending cluster who buys a great deal is in the high-spending one within seconds
    /// of the events being posted, and the move is recorded.
    @Test func filingMovesAPersonAtOnce() async throws {
        let (publicKey, harness) = (harness.publicKey, self.harness)
        let engine = harness.engine
        _ = try engine.setSetting("segments.refresh_seconds", to: "3600")
        var options = SegmentBuildOptions()
        options.k = 2
        options.features = ["frequency", "monetary"]
        let built = try engine.buildSegments(options)
        let high = try #require(built.segments.max { $0.centroid["monetary"]! < $1.centroid["monetary"]! }).key
        let person = try #require(
            try (1...120).lazy.map { "c\(String(format: "%05d", $0))" }.first {
                let current = try engine.personSegments(userID: $0).current.map(\.key)
                return !current.isEmpty && current != [high]
            })
        try await harness.withServer { client, _ in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let purchases = (0..<30).map {
                #"{"type": "purchase", "user_id": "\#(person)", "item_id": "P00001", "ts": \#(now + Int64($0)), "value": 1, "price": 900}"#
            }
            let body = #"{"events": [\#(purchases.joined(separator: ","))]}"#
            let posted = try await client.call(.post, "/v1/events", key: publicKey, token: harness.token(person), json: body)
            #expect(posted.status == .ok, "\(posted.text)")
            #expect(
                try await eventually(timeout: 15) { try engine.personSegments(userID: person).current.map(\.key) == [high] },
                "moved to the high-spending cluster without waiting for the full update")
        }
        let segments = try engine.personSegments(userID: person)
        #expect(segments.history.contains { $0.key != high }, "the stay in the old cluster is closed, not erased")
        let moves = try await engine.database.writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM segment_moves WHERE to_segment = ? AND user_pk = (SELECT user_pk FROM users WHERE pseudonym = ?)",
                arguments: [high, segments.pseudonym])
        }
        #expect(moves == 1)
    }

    /// A segment's strategy shapes its members' lists (categories, then the model), names itself
    /// in the response, and leaves everyone else's alone.
    @Test func aSegmentsStrategyServesItsMembers() async throws {
        let (publicKey, harness) = (harness.publicKey, self.harness)
        let engine = harness.engine
        let mine = try #require(try engine.personSegments(userID: "c00001").current.first?.key)
        let other = try #require(
            try (2...120).lazy.map { "c\(String(format: "%05d", $0))" }.first { try engine.personSegments(userID: $0).current.first?.key != mine })
        let categories = try await engine.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT category FROM items WHERE category IS NOT NULL ORDER BY category")
        }
        let kept = try #require(categories.first)
        try engine.setSegmentStrategy(key: mine, strategy: SegmentStrategy(includeCategories: [kept]))
        try await harness.withServer { client, _ in
            let served = try await client.call(.get, "/v1/users/c00001/recommendations?k=5", key: publicKey, token: harness.token("c00001"))
            #expect(served.status == .ok, "\(served.text)")
            #expect(served.object["segment"] as? String == mine)
            let items = try #require(served.object["items"] as? [[String: Any]])
            #expect(!items.isEmpty && items.allSatisfy { ($0["category"] as? String)?.hasPrefix(kept) == true })
            let elsewhere = try await client.call(.get, "/v1/users/\(other)/recommendations?k=5", key: publicKey, token: harness.token(other))
            #expect(elsewhere.status == .ok && elsewhere.object["segment"] == nil)
        }

        var popularity = TrainOptions()
        popularity.algorithm = AlgorithmSpec(name: "popularity")
        popularity.validationDays = 0
        popularity.keepBesideActive = true
        _ = try engine.train(popularity)
        try engine.setSegmentStrategy(key: mine, strategy: SegmentStrategy(serve: "algorithm:popularity"))
        // The segment's model is loaded beside the active one; until it is, the active one serves.
        var response = try engine.recommendForDisplay(RecommendationRequest(userID: "c00001", k: 5)).0
        for _ in 0..<100 where response.algorithm != "popularity" {
            try await Task.sleep(for: .milliseconds(50))
            response = try engine.recommendForDisplay(RecommendationRequest(userID: "c00001", k: 5)).0
        }
        #expect(response.algorithm == "popularity" && response.segment == mine)
        let unknown = #expect(throws: RequestProblem.self) { try engine.setSegmentStrategy(key: "nope", strategy: SegmentStrategy()) }
        #expect(unknown?.code == "unknown_segment")
        let unservable = #expect(throws: RequestProblem.self) {
            try engine.setSegmentStrategy(key: mine, strategy: SegmentStrategy(serve: "algorithm:bpr"))
        }
        #expect(unservable?.code == "no_model")
        try engine.setSegmentStrategy(key: mine, strategy: nil)
        #expect(try engine.recommendForDisplay(RecommendationRequest(userID: "c00001", k: 5)).0.segment == nil)
    }
}
