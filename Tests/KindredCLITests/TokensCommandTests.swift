import Foundation
import KindredEngine
import KindredTestSupport
import Testing

/// `kindred tokens`: the secret a shop's backend signs user tokens with, and tokens for tests.
@Suite struct TokensCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    @Test func aSecretIsCreatedRotatedAndSignsTokensTheEngineAccepts() throws {
        #expect(try kindred("init").status == 0)
        let early = try kindred("tokens", "mint", "c1")
        #expect(early.status == 1)
        #expect(early.stderr.contains("kindred tokens secret"), "says how to make the secret it lacks")

        let created = try kindred("tokens", "secret")
        #expect(created.status == 0)
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit))
        #expect(created.stderr.contains("shown only now"))

        let minted = try kindred("tokens", "mint", "c1", "--ttl", "10m")
        #expect(minted.status == 0)
        let token = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("kt1."))
        let engine = try Engine.open(at: .init(databasePath: directory.file("kindred.sqlite"), keyPath: directory.file("kindred.sqlite.key")))
        #expect(try engine.verifyUserToken(token) == "c1")

        let rotated = try kindred("tokens", "secret", "--grace", "2h", "--json")
        #expect(rotated.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any])
        #expect(json["previous_secret_id"] as? String != nil)
        #expect(try engine.verifyUserToken(token) == "c1", "within the grace period the old secret still verifies")
        let listed = try kindred("tokens", "list")
        #expect(listed.stdout.contains("current"))
        #expect(listed.stdout.contains("previous, valid until"))
        #expect(!listed.stdout.contains(secret), "the list never shows a secret")
    }

    @Test func badDurationsAreUsageErrors() throws {
        #expect(try kindred("init").status == 0)
        for arguments in [["tokens", "mint", "c1", "--ttl", "0"], ["tokens", "mint", "c1", "--ttl", "soon"], ["tokens", "secret", "--grace", "-1h"]] {
            let result = try KindredProcess.run(arguments, in: directory.path)
            #expect(result.status == 2, "\(arguments)")
        }
        let blank = try kindred("tokens", "mint", "   ")
        #expect(blank.status == 65, "an id that breaks the id rule is bad data")
    }
}
