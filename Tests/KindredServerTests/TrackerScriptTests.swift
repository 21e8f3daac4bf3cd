import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredTestSupport
import Testing

@testable import KindredServer

/// `GET /v1/tracker.js`: what the binary carries, how it is cached, and its size budget.
@Suite struct TrackerScriptTests {
    @Test func theEmbeddedScriptIsTheSourceMinified() throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Sources/KindredServer/Tracker/tracker.js"))
        let hash = SHA256.hash(data: source).map { String(format: "%02x", $0) }.joined()
        #expect(hash == TrackerScript.sourceSHA256, "tracker.js changed: run scripts/embed-tracker.sh")
    }

    @Test func itFitsInThreeThousandBytesGzipped() throws {
        let gzip = try #require(Executable.find("gzip"))
        let directory = TemporaryDirectory()
        let file = directory.write("tracker.js", bytes: TrackerScript.bytes)
        let compressed = try Executable.bytes(printedBy: gzip, ["-9", "-n", "-c", file])
        #expect(compressed.count <= 3_000, "\(compressed.count) bytes gzipped")
        #expect(compressed.count > 1_000, "the whole tracker, not an empty file")
    }

    @Test func itIsServedWithoutAKeyAndCachedByVersion() async throws {
        let harness = try ServerHarness(train: false)
        try await harness.withServer { client, _ in
            let plain = try await client.execute(uri: "/v1/tracker.js", method: .get)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(plain.headers[.cacheControl] == "public, max-age=3600")
            #expect(Array(plain.body.readableBytesView) == TrackerScript.bytes)
            let etag = try #require(plain.headers[.eTag])
            #expect(etag == "\"\(TrackerScript.version)\"")

            let again = try await client.execute(uri: "/v1/tracker.js", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let stale = try await client.execute(uri: "/v1/tracker.js", method: .get, headers: [.ifNoneMatch: "\"0000\""])
            #expect(stale.status == .ok)

            let versioned = try await client.execute(uri: "/v1/tracker.js?v=\(TrackerScript.version)", method: .get)
            #expect(versioned.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let oldVersion = try await client.execute(uri: "/v1/tracker.js?v=0123456789abcdef", method: .get)
            #expect(oldVersion.headers[.cacheControl] == "public, max-age=3600", "an old version's URL is not pinned for a year")
        }
    }

    @Test func pagesOfAnAllowedOriginMaySendTheUserTokenHeader() async throws {
        let harness = try ServerHarness(train: false)
        try await harness.withServer({ $0.corsOrigins = ["https://shop.example"] }) { client, _ in
            let preflight = try await client.execute(
                uri: "/v1/users/u/recommendations", method: .options,
                headers: [
                    .origin: "https://shop.example", .accessControlRequestMethod: "GET",
                    .accessControlRequestHeaders: "x-api-key, x-kindred-user-token",
                ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("X-Kindred-User-Token") == true)
            let answer = try await client.call(.get, "/v1/items/P00001/similar", key: harness.publicKey, headers: [.origin: "https://shop.example"])
            #expect(answer.headers[.accessControlExposeHeaders] == "Retry-After", "the tracker may read how long to wait")
        }
    }
}
