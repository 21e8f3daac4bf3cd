import Foundation
import GRDB
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Events in, recommendations out, and what was shown remembered.
@Suite struct EventAndImpressionTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    func count(_ table: String, where condition: String = "1") throws -> Int {
        try DatabaseSnapshot.count(table, in: harness.database, where: condition)
    }

    @Test func aBatchIsStoredAndEachBadEventReportedByIndex() async throws {
        let (publicKey, before, harness) = (harness.publicKey, try count("events"), self.harness)
        let reportText = try await harness.withServer { client, _ in
            let body = """
                {"events": [
                  {"type": "view", "user_id": "web-1", "item_id": "P00001", "ts": "2026-11-20T10:00:00Z", "device": "mobile", "country": "DE"},
                  {"type": "teleport", "user_id": "web-1", "item_id": "P00001", "ts": "2026-11-20T10:00:01Z"},
                  {"type": "purchase", "user_id": "web-1", "item_id": "P00002", "ts": "2026-11-20T10:05:00Z", "value": 2, "price": 3.5},
                  {"type": "click", "item_id": "P00003"},
                  "not an object",
                  {"type": "dwell", "user_id": "web-1", "item_id": "P00001", "ts": 1763632800, "value": -4}
                ]}
                """
            let token = harness.token("web-1")
            let response = try await client.call(.post, "/v1/events", key: publicKey, token: token, json: body)
            #expect(response.status == .ok)
            // Sending the same batch again stores nothing twice.
            let again = try await client.call(.post, "/v1/events", key: publicKey, token: token, json: body)
            #expect(again.object["stored"] as? Int == 0)
            #expect(again.object["duplicates"] as? Int == 2)
            return response.text
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reportText.utf8)) as? [String: Any])
        #expect(report["received"] as? Int == 6)
        #expect(report["stored"] as? Int == 2)
        let rejected = report["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.map { $0["index"] as? Int } == [1, 3, 4, 5])
        #expect(rejected.map { $0["field"] as? String } == ["type", "ts", nil, "value"])
        #expect((rejected[0]["message"] as? String)?.contains("unknown event type 'teleport'") == true)
        #expect(try count("events") == before + 2)
        let pseudonym = harness.engine.pseudonym(of: "web-1")
        #expect(try count("users", where: "pseudonym = '\(pseudonym)' AND purchases = 1 AND views = 1 AND last_device = 'mobile'") == 1)
    }

    @Test func concurrentBatchesAreAllStoredThroughGroupCommit() async throws {
        let (publicKey, before) = (harness.publicKey, try count("events"))
        let stored = try await harness.withServer { client, parts in
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for request in 0..<24 {
                    group.addTask {
                        let events = (0..<50).map { n in
                            #"{"type": "view", "user_id": "burst-\#(request)", "item_id": "P\#(String(format: "%05d", n + 1))", "ts": \#(1_763_600_000_000 + request * 1000 + n)}"#
                        }
                        let response = try await client.call(
                            .post, "/v1/events", key: publicKey, json: #"{"events": ["# + events.joined(separator: ",") + "]}")
                        return response.status == .ok ? response.object["stored"] as? Int ?? 0 : 0
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(parts.writer.statistics.commits <= 24)
            return total
        }
        #expect(stored == 24 * 50)
        #expect(try count("events") == before + 24 * 50)
    }

    @Test func aReaderAtTheSqlitePromptBlocksNobody() async throws {
        let (publicKey, path) = (harness.publicKey, harness.database.path)
        // Another connection on the file, as the sqlite3 shell would hold one, in the middle of
        // a read transaction for the whole time the server writes.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let shell = try DatabaseQueue(path: path, configuration: configuration)
        let seen = try shell.inDatabase { db -> Int in
            try db.execute(sql: "BEGIN")
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM events")!
        }
        let (stored, status) = try await harness.withServer { client, _ throws -> (Int, Int) in
            let event = #"{"events": [{"type": "view", "user_id": "prompt", "item_id": "P00001", "ts": 1763600000}]}"#
            let posted = try await client.call(.post, "/v1/events", key: publicKey, json: event)
            let recommended = try await client.call(.get, "/v1/users/prompt/recommendations", key: publicKey)
            return (posted.object["stored"] as? Int ?? 0, recommended.status.code)
        }
        #expect(stored == 1)
        #expect(status == 200)
        try shell.inDatabase { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM events") == seen, "the reader keeps its snapshot")
            try db.execute(sql: "COMMIT")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM events") == seen + 1)
        }
    }

    @Test func responsesCarryARequestIDAndWhatWasShownIsLogged() async throws {
        let publicKey = harness.publicKey
        let harness = self.harness
        try await harness.withServer { client, _ in
            let response = try await client.call(
                .get, "/v1/users/c00001/recommendations?k=5", key: publicKey, token: harness.token("c00001"))
            #expect(response.status == .ok)
            let body = response.object
            let requestID = try #require(body["request_id"] as? String)
            #expect(body["personalized"] as? Bool == true)
            #expect(body["model_version"] as? Int == 1)
            let items = try #require(body["items"] as? [[String: Any]])
            #expect(items.count == 5)
            // The log rides the writer's next commit; nobody waits for it.
            #expect(
                try await eventually {
                    try DatabaseSnapshot.count("impressions", in: harness.database, where: "request_id = '\(requestID)'") == 1
                })
            let shown = try DatabaseSnapshot.strings(
                "SELECT item_id FROM impression_outcomes WHERE request_id = '\(requestID)' ORDER BY position", in: harness.database)
            #expect(shown == items.map { $0["item_id"] as? String ?? "" })
            #expect(
                try DatabaseSnapshot.count(
                    "impression_outcomes", in: harness.database,
                    where:
                        "request_id = '\(requestID)' AND reason IS NOT NULL AND model_version = 1 AND personalized = 1 AND explored = 0 AND probability = 1 AND user_pk IS NOT NULL"
                ) == 5)

            // A click that carries the request id is attributed to the slate and position.
            let clicked = items[2]["item_id"] as! String
            let click =
                #"{"events": [{"type": "click", "user_id": "c00001", "item_id": "\#(clicked)", "ts": "2026-11-24T12:00:00Z", "request_id": "\#(requestID)"}]}"#
            #expect(try await client.call(.post, "/v1/events", key: publicKey, json: click).status == .ok)
            let attributed = try DatabaseSnapshot.strings(
                "SELECT position || ':' || clicks FROM impression_outcomes WHERE request_id = '\(requestID)' ORDER BY position",
                in: harness.database)
            #expect(attributed == ["1:0", "2:0", "3:1", "4:0", "5:0"])

            // Similar items are logged too, with the item they were shown for.
            let similar = try await client.call(.get, "/v1/items/P00001/similar?k=3", key: publicKey)
            let similarID = try #require(similar.object["request_id"] as? String)
            #expect(
                try await eventually {
                    try DatabaseSnapshot.count(
                        "impression_outcomes", in: harness.database,
                        where: "request_id = '\(similarID)' AND surface = 'similar' AND anchor_item_id = 'P00001'"
                    ) == 3
                })
        }
    }

    @Test func newEventsChangeRecommendationsBeforeAnyRetrain() async throws {
        let (publicKey, token) = (harness.publicKey, harness.token("fresh-visitor"))
        try await harness.withServer { client, _ in
            let path = "/v1/users/fresh-visitor/recommendations?k=5"
            let first = try await client.call(.get, path, key: publicKey, token: token).object
            #expect(first["personalized"] as? Bool == false, "a stranger gets the non-personalized ranking")
            let events = (1...6).map { n in
                #"{"type": "purchase", "user_id": "fresh-visitor", "item_id": "P\#(String(format: "%05d", 100 + n))", "ts": "2026-11-24T1\#(n):00:00Z"}"#
            }
            #expect(
                try await client.call(.post, "/v1/events", key: publicKey, token: token, json: #"{"events": ["# + events.joined(separator: ",") + "]}")
                    .status == .ok)
            let second = try await client.call(.get, path, key: publicKey, token: token).object
            #expect(second["personalized"] as? Bool == true, "folded in from the new events, without retraining")
            #expect(second["model_version"] as? Int == 1)
            let ids = { (body: [String: Any]) in (body["items"] as? [[String: Any]] ?? []).map { $0["item_id"] as? String ?? "" } }
            #expect(ids(first) != ids(second))
            #expect(
                !ids(second).contains { ["P00101", "P00102", "P00103", "P00104", "P00105", "P00106"].contains($0) },
                "bought items are left out")
        }
    }
}
