import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Who may speak for whom (DESIGN.md): a public key acts for a named person only with that
/// person's user token; ingest keys write for anyone and read nothing; admin keys do everything.
@Suite struct UserTokenTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    private func ids(_ response: TestResponse) -> [String] {
        (response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["item_id"] as? String }
    }

    @Test func aPublicKeyWithoutATokenGetsWhatAStrangerGets() async throws {
        let harness = self.harness
        try await harness.withServer { client, _ in
            let path = "/v1/users/c00001/recommendations?k=5"
            let owner = try await client.call(.get, path, key: harness.adminKey)
            #expect(owner.object["personalized"] as? Bool == true)
            let guessed = try await client.call(.get, path, key: harness.publicKey)
            #expect(guessed.status == .ok)
            #expect(guessed.object["personalized"] as? Bool == false, "a guessed id reveals nothing about the person")
            #expect(
                (guessed.object["items"] as? [[String: Any]] ?? []).allSatisfy { !($0["reason"] as? String ?? "").contains("because you") })
            let stranger = try await client.call(.get, "/v1/users/nobody-at-all/recommendations?k=5", key: harness.publicKey)
            #expect(ids(guessed) == ids(stranger))
            let theirs = try await client.call(.get, path, key: harness.publicKey, token: harness.token("c00001"))
            #expect(theirs.object["personalized"] as? Bool == true)
            #expect(ids(theirs) == ids(owner))
            // What the guess was shown is logged for nobody.
            let requestID = try #require(guessed.object["request_id"] as? String)
            #expect(
                try await eventually {
                    try DatabaseSnapshot.count("impressions", in: harness.database, where: "request_id = '\(requestID)' AND user_pk IS NULL")
                        == 1
                })
        }
    }

    @Test func badTokensAreRefusedWithTheirReason() async throws {
        let harness = self.harness
        let otherSecret = UserToken.generateSecret().secret
        let cases: [(token: String, code: String)] = [
            (harness.token("c00001", lifetime: -5), "token_expired"),
            (harness.token("c00001", secret: otherSecret), "token_invalid"),
            (harness.token("c00001", lifetime: -5, secret: otherSecret), "token_invalid"),
            (harness.token("c00002"), "token_mismatch"),
            ("kt1.YzAwMDAx.9999999999", "token_malformed"),
            ("kt2.YzAwMDAx.9999999999.AAAA", "token_malformed"),
            ("kt1.!!!.9999999999." + String(repeating: "A", count: 43), "token_malformed"),
            ("kt1.YzAwMDAx.soon." + String(repeating: "A", count: 43), "token_malformed"),
            (String(repeating: "k", count: 2_000), "token_malformed"),
        ]
        try await harness.withServer { client, _ in
            for (token, code) in cases {
                let response = try await client.call(
                    .get, "/v1/users/c00001/recommendations", key: harness.publicKey, token: token)
                #expect(response.status == .unauthorized, "\(code): \(response.text)")
                #expect(response.error["code"] as? String == code, "\(token.prefix(40))")
            }
            // Whatever the route: a bad token is never silently ignored.
            let similar = try await client.call(
                .get, "/v1/items/P00001/similar", key: harness.publicKey, token: harness.token("c00001", lifetime: -5))
            #expect(similar.error["code"] as? String == "token_expired")
            // An admin key acts for anyone; a token beside it is not read.
            let admin = try await client.call(
                .get, "/v1/users/c00001/recommendations", key: harness.adminKey, token: harness.token("c00002"))
            #expect(admin.status == .ok)
        }
    }

    @Test func consentsAndVariantsNeedTheirPersonsToken() async throws {
        let harness = self.harness
        try harness.engine.createExperiment(key: "home", variants: [.init(name: "a", weight: 1), .init(name: "b", weight: 1)])
        let ingestKey = try harness.engine.createKey(role: .ingest, label: "backend").key
        let consent = #"{"user_id": "c00007", "purpose": "analytics", "granted": true, "ts": "2026-11-24T09:00:00Z"}"#
        let assigned = try DatabaseSnapshot.count("assignments", in: harness.database)
        try await harness.withServer { client, _ in
            let before = try DatabaseSnapshot.count("consents", in: harness.database)
            let anonymous = try await client.call(.post, "/v1/consents", key: harness.publicKey, json: consent)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.error["code"] as? String == "token_required")
            let someoneElse = try await client.call(
                .post, "/v1/consents", key: harness.publicKey, token: harness.token("c00008"), json: consent)
            #expect(someoneElse.error["code"] as? String == "token_mismatch")
            #expect(try DatabaseSnapshot.count("consents", in: harness.database) == before, "nothing recorded for a refused request")
            let theirs = try await client.call(
                .post, "/v1/consents", key: harness.publicKey, token: harness.token("c00007"), json: consent)
            #expect(theirs.status == .created)
            let backend = try await client.call(
                .post, "/v1/consents", key: ingestKey,
                json: #"{"user_id": "c00009", "purpose": "analytics", "granted": false, "ts": "2026-11-24T09:00:00Z"}"#)
            #expect(backend.status == .created)
            #expect(try DatabaseSnapshot.count("consents", in: harness.database) == before + 2)

            // Someone new, under the default opt-out: assigned once asked for with their token.
            let variant = "/v1/users/newcomer/experiments/home"
            #expect(try await client.call(.get, variant, key: harness.publicKey).error["code"] as? String == "token_required")
            #expect(
                try await client.call(.get, variant, key: harness.publicKey, token: harness.token("c00008")).error["code"] as? String
                    == "token_mismatch")
            let answered = try await client.call(.get, variant, key: harness.publicKey, token: harness.token("newcomer"))
            #expect(answered.object["assigned"] as? Bool == true, "\(answered.text)")
            #expect(try DatabaseSnapshot.count("assignments", in: harness.database) == assigned + 1, "a refused request assigns nobody")
        }
    }

    @Test func eventsWithoutATokenAreStoredWithoutTheirPerson() async throws {
        let harness = self.harness
        let ingestKey = try harness.engine.createKey(role: .ingest, label: "backend").key
        @Sendable func batch(_ user: String, _ session: String, _ item: String) -> String {
            #"{"events": [{"type": "view", "user_id": "\#(user)", "session_id": "\#(session)", "item_id": "\#(item)", "ts": "2026-11-24T10:00:00Z"}]}"#
        }
        @Sendable func stored(_ session: String) throws -> [String] {
            try DatabaseSnapshot.strings(
                "SELECT coalesce(user_pk, 'nobody') FROM events WHERE session_id = '\(session)'", in: harness.database)
        }
        let c00003 = try #require(
            try DatabaseSnapshot.strings(
                "SELECT user_pk FROM users WHERE pseudonym = '\(harness.engine.pseudonym(of: "c00003"))'", in: harness.database
            ).first)
        try await harness.withServer { client, _ in
            let granted = #"{"user_id": "c00003", "purpose": "analytics", "granted": true, "ts": "2026-11-24T09:00:00Z"}"#
            #expect(try await client.call(.post, "/v1/consents", key: ingestKey, json: granted).status.code < 300)
            let anonymous = try await client.call(.post, "/v1/events", key: harness.publicKey, json: batch("c00003", "s-anon", "P00001"))
            #expect(anonymous.status == .ok)
            #expect(anonymous.object["stored"] as? Int == 1)
            #expect(anonymous.object["without_token"] as? Int == 1)
            #expect(try stored("s-anon") == ["nobody"], "kept for popularity and sessions, but not as c00003's")

            let forged = try await client.call(
                .post, "/v1/events", key: harness.publicKey, token: harness.token("c00004"), json: batch("c00003", "s-forged", "P00002"))
            #expect(forged.status == .unauthorized)
            #expect(forged.error["code"] as? String == "token_mismatch")
            #expect(forged.error["field"] as? String == "events[0].user_id")
            #expect(try stored("s-forged").isEmpty, "nothing of a refused batch is stored")

            let theirs = try await client.call(
                .post, "/v1/events", key: harness.publicKey, token: harness.token("c00003"), json: batch("c00003", "s-own", "P00003"))
            #expect(theirs.object["without_token"] as? Int == 0)
            #expect(try stored("s-own") == [c00003])

            let backend = try await client.call(.post, "/v1/events", key: ingestKey, json: batch("c00003", "s-backend", "P00004"))
            #expect(backend.status == .ok)
            #expect(try stored("s-backend") == [c00003])
        }
    }

    @Test func ingestKeysWriteForAnyoneAndReadNothing() async throws {
        let harness = self.harness
        let ingestKey = try harness.engine.createKey(role: .ingest, label: "backend").key
        #expect(ingestKey.hasPrefix("kd_ing_"))
        try harness.engine.createExperiment(key: "home", variants: [.init(name: "a", weight: 1), .init(name: "b", weight: 1)])
        try await harness.withServer { client, _ in
            for (method, path) in [
                (HTTPRequest.Method.get, "/v1/users/c00001/recommendations"), (.get, "/v1/items/P00001/similar"),
                (.get, "/v1/users/c00001/experiments/home"), (.get, "/v1/models"), (.get, "/v1/users/c00001/data"), (.get, "/metrics"),
                (.delete, "/v1/users/c00001"),
            ] {
                let response = try await client.call(method, path, key: ingestKey)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.error["code"] as? String == "forbidden")
            }
        }
    }

    @Test func aBeaconCarriesItsKeyAndTokenInTheQuery() async throws {
        let harness = self.harness
        let body = #"{"events": [{"type": "dwell", "user_id": "c00005", "session_id": "s-beacon", "item_id": "P00001", "value": 12.5, "ts": "2026-11-24T10:00:00Z"}]}"#
        try await harness.withServer { client, _ in
            let query = "key=\(harness.publicKey)&token=\(harness.token("c00005"))"
            let beacon = try await client.execute(
                uri: "/v1/events?\(query)", method: .post, headers: [.contentType: "text/plain;charset=UTF-8"],
                body: .init(string: body))
            #expect(beacon.status == .ok, "\(beacon.text)")
            #expect(beacon.object["without_token"] as? Int == 0)
            #expect(
                try DatabaseSnapshot.count("events", in: harness.database, where: "session_id = 's-beacon' AND user_pk IS NOT NULL") == 1)
            // Only events take the key from the query: elsewhere it would end up in logs for nothing.
            let elsewhere = try await client.execute(uri: "/v1/users/c00005/recommendations?\(query)", method: .get)
            #expect(elsewhere.status == .unauthorized)
            #expect(elsewhere.error["code"] as? String == "missing_key")
            // A token in the query of a route that does not take it is not read.
            let reads = try await client.call(.get, "/v1/users/c00005/recommendations?token=\(harness.token("c00005"))", key: harness.publicKey)
            #expect(reads.object["personalized"] as? Bool == false)
        }
    }

    @Test func rotationKeepsThePreviousSecretForItsGraceOnly() async throws {
        let harness = self.harness
        let first = harness.token("c00001")
        let rotated = try harness.engine.rotateTokenSecret(graceSeconds: 3600)
        let second = harness.token("c00001", secret: rotated.secret)
        #expect(rotated.previousSecretID != nil)
        try await harness.withServer { client, _ in
            func status(_ token: String) async throws -> HTTPResponse.Status {
                try await client.call(.get, "/v1/users/c00001/recommendations", key: harness.publicKey, token: token).status
            }
            #expect(try await status(first) == .ok, "the previous secret still verifies within its grace period")
            #expect(try await status(second) == .ok)
            let third = try harness.engine.rotateTokenSecret(graceSeconds: 0)
            #expect(try await status(first) == .unauthorized, "a rotation without grace ends every earlier secret")
            #expect(try await status(second) == .unauthorized)
            #expect(try await status(harness.token("c00001", secret: third.secret)) == .ok)
        }
        #expect(try harness.engine.tokenSecrets().filter { $0.retiredMs == nil }.count == 1)
        let audited = try DatabaseSnapshot.strings(
            "SELECT action FROM audit_log WHERE action LIKE 'token_secret%' ORDER BY audit_pk", in: harness.database)
        #expect(audited == ["token_secret_create", "token_secret_rotate", "token_secret_rotate"])
        let details = try DatabaseSnapshot.strings("SELECT details FROM audit_log WHERE action LIKE 'token_secret%'", in: harness.database)
        #expect(!details.contains { $0.contains(rotated.secret) || $0.contains(harness.tokenSecret) }, "the audit log never holds a secret")
    }

    /// README's recipes, run as a shop's backend would run them: each token they make is
    /// accepted by the server for exactly that person.
    @Test(arguments: ["python3", "node", "php"])
    func theReadmeRecipesMakeTokensTheServerAccepts(language: String) async throws {
        guard let interpreter = Executable.find(language) else {
            // CI installs all three (.ci/run); a machine without one skips it.
            print("skipping the \(language) recipe: \(language) is not installed")
            return
        }
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        let fence = ["python3": "python", "node": "javascript", "php": "php"][language]!
        let recipe = try #require(Self.codeBlock(fence, in: readme), "README has a \(fence) recipe")
        let call: String
        switch language {
        case "python3": call = "import sys\nprint(kindred_token(sys.argv[1], sys.argv[2]))"
        case "node": call = "console.log(kindredToken(process.argv[2], process.argv[3]));"
        default: call = "echo kindred_token($argv[1], $argv[2]);"
        }
        let program = language == "php" ? "<?php\n\(recipe)\n\(call)\n" : "\(recipe)\n\(call)\n"
        let file = harness.directory.file("recipe-\(language)")
        try program.write(toFile: file, atomically: true, encoding: .utf8)
        let userID = "émile+\(language)@example.com"
        let token = try await Executable.runDetached(interpreter, [file, userID, harness.tokenSecret]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try harness.engine.verifyUserToken(token) == userID)
        let harness = self.harness
        try await harness.withServer { client, _ in
            let encoded = userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let response = try await client.call(
                .post, "/v1/consents", key: harness.publicKey, token: token,
                json: #"{"user_id": "\#(userID)", "purpose": "analytics", "granted": true, "ts": "2026-11-24T09:00:00Z"}"#)
            #expect(response.status == .created, "\(response.text)")
            let mismatch = try await client.call(.get, "/v1/users/\(encoded)x/experiments/none", key: harness.publicKey, token: token)
            #expect(mismatch.error["code"] as? String == "token_mismatch")
        }
    }

    /// The first fenced block of `language` in a Markdown text.
    static func codeBlock(_ language: String, in markdown: String) -> String? {
        guard let start = markdown.range(of: "```\(language)\n"),
            let end = markdown.range(of: "\n```", range: start.upperBound..<markdown.endIndex)
        else { return nil }
        return String(markdown[start.upperBound..<end.lowerBound])
    }
}
