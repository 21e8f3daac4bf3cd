import Foundation
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Keys and token secrets are held a second by the engine that checks requests. What another
/// process changes (here a second engine on the same file, as `kindred keys revoke` beside a
/// running server) takes effect within that second; what this engine changes, at once; and a
/// retired secret's grace period ends on time even while its row is held.
@Suite struct AccessCacheTests {
    static let startMs: Int64 = 1_793_577_600_000

    func engines(_ directory: TemporaryDirectory, clock: TestClockTime) throws -> (server: Engine, other: Engine) {
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        let server = try Engine.create(at: location, clock: WallClock { clock.value }).engine
        return (server, try Engine.open(at: location, clock: WallClock { clock.value }))
    }

    /// Two engines on one file, and a token for u1 minted by the server under a fresh secret
    /// (the directory is kept so that the file outlives the set-up).
    struct Minted {
        let directory: TemporaryDirectory
        let clock: TestClockTime
        let server: Engine
        let other: Engine
        let token: String
    }

    func minted() throws -> Minted {
        let directory = TemporaryDirectory()
        let clock = TestClockTime(Self.startMs)
        let (server, other) = try engines(directory, clock: clock)
        _ = try server.rotateTokenSecret(graceSeconds: 0)
        let token = try server.mintUserToken(userID: "u1", lifetimeSeconds: 3_600).token
        return Minted(directory: directory, clock: clock, server: server, other: other, token: token)
    }

    @Test func aKeyRevokedElsewhereStopsWorkingWithinASecond() throws {
        let directory = TemporaryDirectory()
        let clock = TestClockTime(Self.startMs)
        let (server, other) = try engines(directory, clock: clock)
        let key = try other.createKey(role: .public, label: nil)
        // Created elsewhere, it works on its first request: unknown keys are not held.
        #expect(try server.authenticate(key: key.key)?.keyID == key.keyID)
        try other.revokeKey(key.keyID)
        clock.value += AccessCache.freshness - 1
        #expect(try server.authenticate(key: key.key)?.keyID == key.keyID)
        clock.value += 1
        #expect(try server.authenticate(key: key.key) == nil)
    }

    @Test func aKeyRevokedHereStopsWorkingAtOnce() throws {
        let directory = TemporaryDirectory()
        let clock = TestClockTime(Self.startMs)
        let (server, _) = try engines(directory, clock: clock)
        let key = try server.createKey(role: .admin, label: nil)
        #expect(try server.authenticate(key: key.key)?.role == .admin)
        try server.revokeKey(key.keyID)
        #expect(try server.authenticate(key: key.key) == nil)
        #expect(try server.authenticate(key: "kd_pub_not-a-key") == nil)
    }

    @Test func aSecretRotatedElsewhereWithoutGraceEndsWithinASecond() throws {
        let minted = try minted()
        let (clock, server, other, token) = (minted.clock, minted.server, minted.other, minted.token)
        #expect(try server.verifyUserToken(token) == "u1")
        _ = try other.rotateTokenSecret(graceSeconds: 0)
        #expect(try server.verifyUserToken(token) == "u1")
        clock.value += AccessCache.freshness
        #expect(throws: RequestProblem.self) { try server.verifyUserToken(token) }
    }

    @Test func aHeldSecretsGraceEndsOnTime() throws {
        let minted = try minted()
        let (clock, server, token) = (minted.clock, minted.server, minted.token)
        _ = try server.rotateTokenSecret(graceSeconds: 5)
        // Read 0.5 s before the grace ends, still held 0.1 s after it.
        clock.value += 4_500
        #expect(try server.verifyUserToken(token) == "u1")
        clock.value += 600
        let problem = #expect(throws: RequestProblem.self) { try server.verifyUserToken(token) }
        #expect(problem?.code == "token_invalid")
    }
}
