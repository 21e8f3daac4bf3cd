import Foundation
import GRDB
import HummingbirdTesting
import KindredServer
import KindredStore
import KindredTestSupport
import Logging
import Testing

@testable import KindredEngine

/// `kindred serve --shops DIR` on loopback: two shops and a corrupt file in one folder, routed
/// by path and by key, keys scoped to their shop, a shop added while serving, and one shop's
/// locked database leaving the other untouched.
@Suite struct MultiShopServerTests {
    let directory = TemporaryDirectory()
    let alpha: Engine
    let beta: Engine
    let alphaKey: String
    let betaKey: String
    var folder: String { directory.file("shops") }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory.file("shops"), withIntermediateDirectories: true)
        var shop = SampleShopGenerator.Configuration()
        shop.users = 50
        shop.items = 40
        shop.events = 2_000
        _ = try SampleShopFiles.write(SampleShopGenerator(configuration: shop).generate(), to: directory.file("alpha-files"))
        alpha = try DemoUseCase.run(
            dataDirectory: directory.file("alpha-files"),
            location: DatabaseLocation(
                databasePath: directory.file("shops/alpha.sqlite"), keyPath: directory.file("shops/alpha.sqlite.key")),
            log: { _ in }
        ).engine
        (beta, _) = try Engine.create(
            at: DatabaseLocation(databasePath: directory.file("shops/beta.sqlite"), keyPath: directory.file("shops/beta.sqlite.key")))
        alphaKey = try alpha.createKey(role: .admin, label: "alpha").key
        betaKey = try beta.createKey(role: .admin, label: "beta").key
        // Not a database at all, with a key file beside it.
        _ = directory.write("shops/broken.sqlite", String(repeating: "not sqlite ", count: 1000))
        try FileManager.default.copyItem(atPath: directory.file("shops/beta.sqlite.key"), toPath: directory.file("shops/broken.sqlite.key"))
    }

    func withServer<T: Sendable>(
        _ body: @Sendable (_ client: any TestClientProtocol, _ parts: MultiShopParts) async throws -> T
    ) async throws -> T {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.retrainEvery = nil
        configuration.idleTimeout = 600
        var logger = Logger(label: "kindred-tests")
        logger.logLevel = .critical
        let (application, parts) = try buildMultiShopApplication(
            folder: folder, configuration: configuration, logger: logger, scanEvery: .milliseconds(100))
        return try await application.test(.live) { client in try await body(client, parts) }
    }

    static func event(_ id: String) -> String {
        #"{"events": [{"type": "view", "anonymous_id": "visitor-1", "item_id": "P00001", "ts": "2026-11-20T10:00:00Z", "event_id": "\#(id)"}]}"#
    }

    func stored(_ id: String, in engine: Engine) throws -> Int {
        try DatabaseSnapshot.count("events", in: engine.database, where: "source_event_id = '\(id)'")
            + DatabaseSnapshot.count("event_inbox", in: engine.database, where: "source_event_id = '\(id)'")
    }

    @Test func requestsReachTheirShopByPathOrKeyAndAKeyWorksInItsShopOnly() async throws {
        let (alphaKey, betaKey) = (self.alphaKey, self.betaKey)
        try await withServer { client, parts in
            #expect(parts.shops.map(\.name) == ["alpha", "beta", "broken"])
            #expect(parts.shops.map(\.serving) == [true, true, false])

            let health = try await client.call(.get, "/healthz")
            let shops = health.object["shops"] as? [[String: Any]] ?? []
            #expect(shops.map { $0["name"] as? String } == ["alpha", "beta", "broken"])
            #expect((shops.last?["reason"] as? String)?.contains("not a database") == true, "\(health.text)")

            let byPath = try await client.call(.get, "/shops/alpha/v1/users/c00001/recommendations?k=3", key: alphaKey)
            #expect(byPath.status == .ok, "\(byPath.text)")
            #expect((byPath.object["items"] as? [Any])?.count == 3)
            let wrongShop = try await client.call(.get, "/shops/alpha/v1/users/c00001/recommendations?k=3", key: betaKey)
            #expect(wrongShop.status == .unauthorized)
            #expect(wrongShop.error["code"] as? String == "invalid_key")

            // Without a shop in the path, the key says which shop.
            let toBeta = try await client.call(.post, "/v1/events", key: betaKey, json: Self.event("by-key-beta"))
            #expect(toBeta.status == .ok, "\(toBeta.text)")
            let toAlpha = try await client.call(.post, "/shops/alpha/v1/events", key: alphaKey, json: Self.event("by-path-alpha"))
            #expect(toAlpha.status == .ok, "\(toAlpha.text)")

            let broken = try await client.call(.get, "/shops/broken/v1/models", key: betaKey)
            #expect(broken.status == .serviceUnavailable)
            #expect(broken.error["code"] as? String == "shop_unavailable")
            let unknown = try await client.call(.get, "/shops/nowhere/v1/models", key: betaKey)
            #expect(unknown.status == .notFound && unknown.error["code"] as? String == "unknown_shop")
            let noShop = try await client.call(.get, "/v1/models")
            #expect(noShop.status == .notFound && noShop.error["code"] as? String == "unknown_shop")
            let strangerKey = try await client.call(.get, "/v1/models", key: "kp_not_a_key_of_any_shop")
            #expect(strangerKey.status == .unauthorized)
        }
        // Shutdown writes what was accepted, each in its own file.
        #expect(try stored("by-key-beta", in: beta) == 1 && stored("by-key-beta", in: alpha) == 0)
        #expect(try stored("by-path-alpha", in: alpha) == 1 && stored("by-path-alpha", in: beta) == 0)
    }

    /// A new shop made elsewhere and put into the folder as a shop owner would: a consistent
    /// copy (`kindred backup`), its key file first. Returns the shop's admin key.
    func placeShop(_ name: String) throws -> String {
        let made = directory.file("made-\(name).sqlite")
        let (engine, _) = try Engine.create(at: DatabaseLocation(databasePath: made, keyPath: made + ".key"))
        let key = try engine.createKey(role: .admin, label: name).key
        _ = try engine.backup(to: directory.file("copy-\(name).sqlite"))
        try FileManager.default.copyItem(atPath: made + ".key", toPath: folder + "/\(name).sqlite.key")
        try FileManager.default.moveItem(atPath: directory.file("copy-\(name).sqlite"), toPath: folder + "/\(name).sqlite")
        return key
    }

    @Test func aShopAddedToTheFolderIsServedWithoutARestartAndARepairedFileToo() async throws {
        let folder = self.folder
        try await withServer { client, _ in
            let before = try await client.call(.get, "/shops/gamma/v1/models")
            #expect(before.status == .notFound)
            let gammaKey = try placeShop("gamma")
            #expect(
                try await eventually {
                    try await client.call(.post, "/shops/gamma/v1/events", key: gammaKey, json: Self.event("gamma-1")).status == .ok
                })
            // The broken file replaced by a real shop's is tried again and served.
            try FileManager.default.removeItem(atPath: folder + "/broken.sqlite")
            try FileManager.default.removeItem(atPath: folder + "/broken.sqlite.key")
            let repairedKey = try placeShop("broken")
            #expect(
                try await eventually {
                    try await client.call(.get, "/shops/broken/v1/models", key: repairedKey).status == .ok
                })
        }
        let gamma = try Engine.open(at: DatabaseLocation(databasePath: folder + "/gamma.sqlite", keyPath: folder + "/gamma.sqlite.key"))
        #expect(try stored("gamma-1", in: gamma) == 1)
    }

    @Test func aShopMovedOutOfTheFolderIsNoLongerServedAndABadNameIsSaid() async throws {
        let (betaKey, folder) = (self.betaKey, self.folder)
        _ = directory.write("shops/my.shop.sqlite", "")
        try await withServer { client, parts in
            let named = parts.shops.first { $0.name == "my.shop" }
            #expect(named?.serving == false && named?.reason?.contains("letters, digits, - and _") == true, "\(parts.shops)")
            let before = try await client.call(.post, "/v1/events", key: betaKey, json: Self.event("beta-before-move"))
            #expect(before.status == .ok)
            try FileManager.default.createDirectory(atPath: folder + "/../elsewhere", withIntermediateDirectories: true)
            for suffix in ["", ".key"] {
                try FileManager.default.moveItem(
                    atPath: folder + "/beta.sqlite" + suffix, toPath: folder + "/../elsewhere/beta.sqlite" + suffix)
            }
            #expect(
                try await eventually {
                    try await client.call(.get, "/shops/beta/v1/models", key: betaKey).status == .notFound
                })
            let byKey = try await client.call(.get, "/v1/models", key: betaKey)
            #expect(byKey.status == .unauthorized, "the key is no longer any served shop's")
        }
        // Stopping the shop wrote what it had accepted, into the file wherever it now is.
        let moved = directory.file("elsewhere/beta.sqlite")
        let reopened = try Engine.open(at: DatabaseLocation(databasePath: moved, keyPath: moved + ".key"))
        #expect(try stored("beta-before-move", in: reopened) == 1)
    }

    @Test func eachShopHasItsDashboardUnderItsPathWithItsOwnSignIn() async throws {
        let (alphaKey, betaKey) = (self.alphaKey, self.betaKey)
        try await withServer { client, _ in
            let anonymous = try await client.call(.get, "/shops/alpha/dashboard/models")
            #expect(anonymous.headers[.location] == "/shops/alpha/dashboard/login?next=%2Fshops%2Falpha%2Fdashboard%2Fmodels")
            let refused = try await DashboardTests.post(client, "/shops/alpha/dashboard/login", ["key": betaKey])
            #expect(refused.status == .unauthorized, "beta's key does not open alpha's dashboard")

            let signedIn = try await DashboardTests.post(
                client, "/shops/alpha/dashboard/login", ["key": alphaKey, "next": "/shops/alpha/dashboard/models"])
            #expect(signedIn.headers[.location] == "/shops/alpha/dashboard/models")
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(setCookie.contains("Path=/shops/alpha/dashboard"), "\(setCookie)")
            let cookie = String(setCookie.split(separator: ";")[0])
            let page = try await client.call(.get, "/shops/alpha/dashboard", headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(page.text.contains("href=\"/shops/alpha/dashboard/recommendations\""))
            #expect(page.text.contains("href=\"/shops/alpha/dashboard/assets/dashboard.css\""))
            #expect(!page.text.contains("\"/dashboard"), "every link carries the shop's path")
            // A session of alpha's is nobody in beta's dashboard.
            let other = try await client.call(.get, "/shops/beta/dashboard", headers: [.cookie: cookie])
            #expect(other.status == .seeOther || other.status == .found, "\(other.status)")
        }
    }

    @Test func aLockedShopIsBusyWhileTheOtherFilesAtOnce() async throws {
        let (alphaKey, betaKey) = (self.alphaKey, self.betaKey)
        let alphaPath = alpha.database.path
        try await withServer { client, _ in
            var configuration = GRDB.Configuration()
            configuration.allowsUnsafeTransactions = true
            configuration.busyMode = .timeout(10)
            let holder = try DatabaseQueue(path: alphaPath, configuration: configuration)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            let toBeta = try await client.call(.post, "/shops/beta/v1/events", key: betaKey, json: Self.event("beta-while-locked"))
            #expect(toBeta.status == .ok, "beta files while alpha's database is locked by another program")
            let toAlpha = try await client.call(.post, "/shops/alpha/v1/events", key: alphaKey, json: Self.event("alpha-while-locked"))
            #expect(toAlpha.status == .serviceUnavailable)
            #expect(toAlpha.error["code"] as? String == "busy")
            let betaReads = try await client.call(.get, "/shops/beta/v1/models", key: betaKey)
            #expect(betaReads.status == .ok)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        }
        #expect(try stored("beta-while-locked", in: beta) == 1)
        #expect(try stored("alpha-while-locked", in: alpha) == 0, "refused, so nothing of it was written")
    }
}
