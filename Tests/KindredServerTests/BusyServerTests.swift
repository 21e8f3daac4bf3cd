import Foundation
import GRDB
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// A server whose database is locked by another program, or whose writer is flooded, answers
/// 503 `busy` with Retry-After, never 500, and stores nothing of what it refused.
@Suite struct BusyServerTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(train: false, users: 50, items: 40, events: 2_000)
    }

    static func batch(_ tag: String, count: Int) -> String {
        let events = (0..<count).map {
            #"{"type": "view", "user_id": "busy-\#($0 % 5)", "item_id": "P0000\#($0 % 9 + 1)", "ts": "2026-11-20T10:00:00Z", "event_id": "\#(tag)-\#($0)"}"#
        }
        return #"{"events": [\#(events.joined(separator: ","))]}"#
    }

    /// A connection that may hold a transaction open across accesses, as `sqlite3` does.
    static func lockHolder(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    func stored(_ tag: String) throws -> Int {
        try DatabaseSnapshot.count("events", in: harness.database, where: "source_event_id LIKE '\(tag)-%'")
            + DatabaseSnapshot.count("event_inbox", in: harness.database, where: "source_event_id LIKE '\(tag)-%'")
    }

    @Test func aLockHeldPastTheBusyTimeoutGives503WithRetryAfter() async throws {
        let key = harness.publicKey
        let path = harness.database.path
        let response = try await harness.withServer { client, _ in
            let holder = try Self.lockHolder(path)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            let response = try await client.call(.post, "/v1/events", key: key, json: Self.batch("locked", count: 3))
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
            // Once the lock is gone the same batch goes through.
            let retried = try await client.call(.post, "/v1/events", key: key, json: Self.batch("locked", count: 3))
            #expect(retried.status == .ok)
            #expect(retried.object["stored"] as? Int == 3)
            return response
        }
        #expect(response.status == .serviceUnavailable)
        #expect(response.error["code"] as? String == "busy")
        #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
        #expect(try stored("locked") == 3, "the refused copy stored nothing; the retry stored each event once")
    }

    @Test func aFullQueueIsRefusedAtOnce() async throws {
        let key = harness.publicKey
        let path = harness.database.path
        let statuses = try await harness.withServer({ $0.maxQueuedEvents = 100 }) { client, parts in
            let holder = try Self.lockHolder(path)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            // The first batch waits on the lock (on a connection of its own: the test client's
            // one connection answers in order); the others find the queue full.
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(client.port!)/v1/events")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(Self.batch("first", count: 100).utf8)
            request.timeoutInterval = 30
            let waiting = request
            let first = Task { try await URLSession.shared.data(for: waiting) }
            #expect(try await eventually { parts.writer.statistics.queuedEvents == 100 })
            var refused: [(Int, String?, String?)] = []
            for n in 0..<5 {
                let response = try await client.call(.post, "/v1/events", key: key, json: Self.batch("flood\(n)", count: 50))
                refused.append((Int(response.status.code), response.error["code"] as? String, response.headers[.retryAfter]))
                // Refused while the first batch still waits on the lock: a refusal does not wait
                // for it. (Timing it instead failed on a loaded machine, where even a refusal can
                // take seconds to be scheduled.)
                #expect(parts.writer.statistics.queuedEvents == 100 || response.status.code != 503, "refused without waiting")
            }
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
            let (_, firstResponse) = try await first.value
            return (refused, (firstResponse as? HTTPURLResponse)?.statusCode)
        }
        #expect(statuses.0.allSatisfy { $0.0 == 503 && $0.1 == "busy" && $0.2 != nil }, "\(statuses.0)")
        // The first batch is stored once the lock goes, unless the machine was so slow that it
        // outwaited SQLite's busy timeout first: then it was refused whole, as a 503 says.
        #expect(statuses.1 == 200 || statuses.1 == 503)
        #expect(try stored("first") == (statuses.1 == 200 ? 100 : 0))
        #expect(try (0..<5).map { try stored("flood\($0)") } == [0, 0, 0, 0, 0])
    }
}
