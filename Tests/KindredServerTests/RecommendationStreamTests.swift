import Foundation
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /v1/users/{id}/recommendations/stream` over a raw socket, as a browser's fetch reads it.
@Suite struct RecommendationStreamTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    /// The `data:` lines of the stream's `recommendations` events, decoded.
    static func lists(in text: String) -> [[String: Any]] {
        text.components(separatedBy: "\n\n").compactMap { block -> [String: Any]? in
            guard block.contains("event: recommendations"),
                let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") })
            else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    @Test func aPersonsListArrivesAtOnceAndAgainWhenTheirEventsChangeIt() async throws {
        let harness = self.harness
        let user = "stream-newcomer"
        let token = harness.token(user)
        try await harness.withServer({ $0.streamHeartbeat = 0.2 }) { client, _ in
            let connection = try SlowClientTests.RawConnection(port: client.port!)
            connection.send(
                "GET /v1/users/\(user)/recommendations/stream?k=5&token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(harness.publicKey)\r\n\r\n"
            )
            var text = await connection.awaitText(timeout: 20) { Self.lists(in: $0).count >= 1 && $0.contains(": heartbeat") }
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(300))")
            #expect(text.lowercased().contains("content-type: text/event-stream"))
            let first = try #require(Self.lists(in: text).first)
            #expect(first["personalized"] as? Bool == false, "nothing known of them yet")

            let events = (1...6).map { n in
                #"{"type": "purchase", "user_id": "\#(user)", "item_id": "P\#(String(format: "%05d", 100 + n))", "ts": "2026-11-24T1\#(n):00:00Z"}"#
            }
            let posted = try await client.call(
                .post, "/v1/events", key: harness.publicKey, token: token, json: #"{"events": ["# + events.joined(separator: ",") + "]}")
            #expect(posted.status == .ok)
            text = await connection.awaitText(after: text, timeout: 20) { Self.lists(in: $0).count >= 2 }
            let lists = Self.lists(in: text)
            let second = try #require(lists.count >= 2 ? lists[1] : nil, "a new list after their events were filed")
            #expect(second["personalized"] as? Bool == true, "folded in from the new events")
            let ids = { (list: [String: Any]) in (list["items"] as? [[String: Any]] ?? []).compactMap { $0["item_id"] as? String } }
            #expect(ids(first) != ids(second))
            // Each list sent was logged as shown, under its own request id.
            let requestID = try #require(second["request_id"] as? String)
            #expect(
                try await eventually {
                    try DatabaseSnapshot.count("impressions", in: harness.database, where: "request_id = '\(requestID)'") == 1
                })
            // Someone else's events change nothing on this stream.
            _ = try await client.call(
                .post, "/v1/events", key: harness.adminKey,
                json: #"{"events": [{"type": "purchase", "user_id": "c00001", "item_id": "P00050", "ts": "2026-11-24T12:00:00Z"}]}"#)
            text = await connection.awaitText(after: text, timeout: 1) { Self.lists(in: $0).count >= 3 }
            #expect(Self.lists(in: text).count == 2)
        }
    }

    @Test func aStreamSpeaksForAPersonSoItNeedsTheirToken() async throws {
        let harness = self.harness
        try await harness.withServer { client, _ in
            let path = "/v1/users/c00001/recommendations/stream"
            let anonymous = try await client.call(.get, path, key: harness.publicKey)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.error["code"] as? String == "token_required")
            let someoneElse = try await client.call(.get, path + "?token=\(harness.token("c00002"))", key: harness.publicKey)
            #expect(someoneElse.error["code"] as? String == "token_mismatch")
            let expired = try await client.call(.get, path, key: harness.publicKey, token: harness.token("c00001", lifetime: -1))
            #expect(expired.error["code"] as? String == "token_expired")
            let bad = try await client.call(.get, path + "?k=0", key: harness.adminKey)
            #expect(bad.status == .badRequest, "a bad request is refused before the stream starts")
        }
    }
}

extension SlowClientTests.RawConnection {
    /// Reads on a thread of its own (blocking reads must not hold the few threads the server's
    /// route handlers and Dispatch run on) until `done` holds for all that came, or `timeout`
    /// passes; returns everything read, after `text`.
    func awaitText(after text: String = "", timeout: Double, until done: @escaping @Sendable (String) -> Bool) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var received = Array(text.utf8)
                var buffer = [UInt8](repeating: 0, count: 4096)
                let started = Date()
                while Date().timeIntervalSince(started) < timeout, !done(String(decoding: received, as: UTF8.self)) {
                    var poller = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
                    guard poll(&poller, 1, 50) > 0 else { continue }
                    let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, 4096, 0) }
                    if count <= 0 { break }
                    received += buffer[0..<count]
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }.start()
        }
    }
}
