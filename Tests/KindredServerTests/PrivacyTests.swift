import Foundation
import GRDB
import HummingbirdTesting
import KindredServer
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Every privacy promise, through HTTP: each test would fail if its promise broke.
@Suite struct PrivacyTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness()
    }

    func count(_ table: String, where condition: String = "1") throws -> Int {
        try DatabaseSnapshot.count(table, in: harness.database, where: condition)
    }

    func events(for user: String, items: [String], type: String = "purchase") -> String {
        let list = items.enumerated().map { n, item in
            #"{"type": "\#(type)", "user_id": "\#(user)", "item_id": "\#(item)", "ts": "2026-11-24T1\#(n):00:00Z"}"#
        }
        return #"{"events": ["# + list.joined(separator: ",") + "]}"
    }

    func consent(_ user: String, _ purpose: String, _ granted: Bool, at time: String = "2026-11-24T08:00:00Z") -> String {
        #"{"user_id": "\#(user)", "purpose": "\#(purpose)", "granted": \#(granted), "ts": "\#(time)", "source": "banner"}"#
    }

    @Test func eventsOfPeopleWithoutAnalyticsConsentAreStoredWithoutThemOrNotAtAll() async throws {
        let (publicKey, engine) = (harness.publicKey, harness.engine)
        _ = try engine.setSetting("consent.analytics", to: "opt-in")
        let pseudonym = engine.pseudonym(of: "quiet-shopper")
        let before = try count("events")
        let (anonymized, withheld, afterGrant) = try await harness.withServer { client, _ -> (Int, Int, Int) in
            let first = try await client.call(
                .post, "/v1/events", key: publicKey, token: harness.token("quiet-shopper"),
                json: events(for: "quiet-shopper", items: ["P00001", "P00002"]))
            _ = try engine.setSetting("consent.events_without_analytics", to: "drop")
            let second = try await client.call(
                .post, "/v1/events", key: publicKey, token: harness.token("quiet-shopper"), json: events(for: "quiet-shopper", items: ["P00003"]))
            #expect(
                try await client.call(.post, "/v1/consents", key: publicKey, token: harness.token("quiet-shopper"), json: consent("quiet-shopper", "analytics", true)).status
                    == .created)
            let third = try await client.call(
                .post, "/v1/events", key: publicKey, token: harness.token("quiet-shopper"), json: events(for: "quiet-shopper", items: ["P00004"]))
            return (first.object["anonymized"] as? Int ?? -1, second.object["withheld"] as? Int ?? -1, third.object["stored"] as? Int ?? -1)
        }
        #expect(anonymized == 2, "opt-in without a decision: stored without the person")
        #expect(withheld == 1, "with drop: not stored at all")
        #expect(afterGrant == 1)
        #expect(try count("events") == before + 3)
        #expect(
            try count("events", where: "user_pk IS NULL AND item_pk IN (SELECT item_pk FROM items WHERE item_id IN ('P00001', 'P00002'))")
                >= 2)
        #expect(try count("events", where: "item_pk = (SELECT item_pk FROM items WHERE item_id = 'P00003') AND ts_ms = 1763982000000") == 0)
        // Their profile holds only what came after their consent.
        #expect(try count("users", where: "pseudonym = '\(pseudonym)' AND events = 1 AND purchases = 1") == 1)
    }

    @Test func withdrawingPersonalizationTakesEffectAtOnceAndForTraining() async throws {
        let (publicKey, engine, database) = (harness.publicKey, harness.engine, harness.database)
        let pseudonym = engine.pseudonym(of: "c00001")
        let userPK = try #require(
            Int64(try DatabaseSnapshot.strings("SELECT user_pk FROM users WHERE pseudonym = '\(pseudonym)'", in: database).first ?? ""))
        try await harness.withServer { client, _ in
            let path = "/v1/users/c00001/recommendations?k=5"
            let token = harness.token("c00001")
            #expect(try await client.call(.get, path, key: publicKey, token: token).object["personalized"] as? Bool == true)
            #expect(
                try await client.call(.post, "/v1/consents", key: publicKey, token: token, json: consent("c00001", "personalization", false)).status
                    == .created)
            // The vector is dropped from the model in memory, and the very next request is not personalized.
            #expect(try engine.servingCache.model(database: database)?.isDropped(userPK) == true)
            let after = try await client.call(.get, path, key: publicKey, token: token).object
            #expect(after["personalized"] as? Bool == false)
            // New events change nothing for them: no fold-in.
            #expect(
                try await client.call(
                    .post, "/v1/events", key: publicKey, token: token, json: events(for: "c00001", items: ["P00010", "P00011", "P00012"])
                ).status == .ok)
            #expect(try await client.call(.get, path, key: publicKey, token: token).object["personalized"] as? Bool == false)
            // Retraining leaves them out of every user-specific parameter.
            #expect(try await client.call(.post, "/v1/models/train", key: harness.adminKey).status == .ok)
        }
        #expect(try count("model_user_vectors", where: "version = 2 AND user_pk = \(userPK)") == 0)
        #expect(try count("model_user_vectors", where: "version = 2") > 0)
        // With opt-in, nobody who has not granted it is personalized.
        _ = try engine.setSetting("consent.personalization", to: "opt-in")
        let stranger = try engine.recommend(RecommendationRequest(userID: "c00002", k: 5))
        let granted = try DatabaseSnapshot.strings(
            "SELECT pseudonym FROM current_consents WHERE purpose = 'personalization' AND granted = 1 LIMIT 1", in: database)
        #expect(stranger.personalized == granted.contains(engine.pseudonym(of: "c00002")))
    }

    @Test func forgettingAPersonLeavesNoTraceInTheFileOrItsWAL() async throws {
        let (publicKey, adminKey, engine, database) = (harness.publicKey, harness.adminKey, harness.engine, harness.database)
        let person = "forget-me-please@example.com"
        let pseudonym = engine.pseudonym(of: person)
        let reportText = try await harness.withServer { client, _ -> String in
            #expect(
                try await client.call(.post, "/v1/consents", key: publicKey, token: harness.token(person), json: consent(person, "analytics", true)).status == .created)
            #expect(
                try await client.call(
                    .post, "/v1/events", key: publicKey, token: harness.token(person), json: events(for: person, items: ["P00005", "P00006", "P00007"])
                ).status == .ok)
            _ = try await client.call(.get, "/v1/users/\(person)/recommendations", key: publicKey)
            #expect(try await client.call(.post, "/v1/models/train", key: adminKey).status == .ok)
            let forgotten = try await client.call(.delete, "/v1/users/\(person)", key: adminKey)
            #expect(forgotten.status == .ok)
            // Once erased, there is nothing to erase or export.
            #expect(try await client.call(.delete, "/v1/users/\(person)", key: adminKey).status == .notFound)
            #expect(try await client.call(.get, "/v1/users/\(person)/data", key: adminKey).status == .notFound)
            return forgotten.text
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reportText.utf8)) as? [String: Any])
        #expect(report["found"] as? Bool == true)
        let deleted = report["deleted"] as? [String: Int] ?? [:]
        #expect(deleted["users"] == 1)
        #expect(deleted["events"] == 3)
        #expect(deleted["consents"] == 1)
        #expect(deleted["model_user_vectors"] == 1)
        // Zero rows remain in every table that refers to users, found from the schema.
        let references = try await database.writer.read { db in try PersonalData.references(in: db) }
        #expect(
            Set(references.map(\.table)).isSuperset(of: [
                "events", "consents", "segment_members", "assignments", "impressions", "model_user_vectors",
            ]))
        #expect(try count("users", where: "pseudonym = '\(pseudonym)'") == 0)
        // The audit log says it happened, not to whom.
        let audit = try DatabaseSnapshot.strings("SELECT details FROM audit_log WHERE action = 'forget'", in: database)
        #expect(audit.count == 2, "the erasure and the second request, which found nothing")
        #expect(audit.allSatisfy { !$0.contains(pseudonym) && !$0.contains(person) })
        // Not a byte of them in the file or its WAL.
        try database.checkpoint()
        for file in [database.path, database.path + "-wal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data(pseudonym.utf8)) == nil, "pseudonym found in \(file)")
            #expect(bytes.range(of: Data(person.utf8)) == nil, "raw id found in \(file)")
        }
        // The same again is harmless and says so.
        #expect(try engine.forget(userID: person).found == false)
    }

    @Test func anAccessRequestGetsEverythingHeldAboutThePerson() async throws {
        let (publicKey, adminKey, engine) = (harness.publicKey, harness.adminKey, harness.engine)
        let pseudonym = engine.pseudonym(of: "c00003")
        let document = try await harness.withServer { client, _ -> String in
            _ = try await client.call(.get, "/v1/users/c00003/recommendations", key: publicKey)
            #expect(try await client.call(.get, "/v1/users/c00003/data", key: publicKey).status == .forbidden)
            let exported = try await client.call(.get, "/v1/users/c00003/data", key: adminKey)
            #expect(exported.status == .ok)
            return exported.text
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        #expect(object["pseudonym"] as? String == pseudonym)
        let tables = try #require(object["tables"] as? [String: [[String: Any]]])
        let userPK = try #require(tables["users"]?.first?["user_pk"] as? Int)
        #expect(tables["events"]?.count == (try count("events", where: "user_pk = \(userPK)")))
        #expect(tables["consents"]?.count == (try count("consents", where: "user_pk = \(userPK)")))
        #expect(tables["model_user_vectors"]?.count == (try count("model_user_vectors", where: "user_pk = \(userPK)")))
        #expect(!(object["item_ids"] as? [String: String] ?? [:]).isEmpty)
        #expect(try count("audit_log", where: "action = 'export' AND details NOT LIKE '%\(pseudonym)%'") == 1)
    }

    @Test func onlyTheFieldsTheSchemaNamesAreKeptAndCoarsely() async throws {
        let publicKey = harness.publicKey
        let body = """
            {"events": [{"type": "view", "user_id": "located", "item_id": "P00008", "ts": "2026-11-24T10:00:00Z",
              "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 UniqueAgentMarker",
              "latitude": 51.507351, "longitude": -0.127758, "ip": "203.0.113.77", "email": "located@example.com"}]}
            """
        let stored = try await harness.withServer { client, _ throws -> Int in
            try await client.call(.post, "/v1/events", key: publicKey, json: body).object["stored"] as? Int ?? 0
        }
        #expect(stored == 1)
        #expect(
            try DatabaseSnapshot.strings(
                "SELECT device || ' ' || latitude || ' ' || longitude FROM events WHERE item_pk = (SELECT item_pk FROM items WHERE item_id = 'P00008') AND latitude IS NOT NULL",
                in: harness.database) == ["mobile 51.51 -0.13"])
        try harness.database.checkpoint()
        let bytes = FileManager.default.contents(atPath: harness.database.path) ?? Data()
        for secret in ["203.0.113.77", "UniqueAgentMarker", "located@example.com", "51.507351"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) was stored")
        }
    }

    @Test func theServerRefusesAKeyFileOthersCanRead() throws {
        chmod(harness.database.keyPath, 0o644)
        #expect(throws: ServerRefusal.self) {
            _ = try buildApplication(engine: harness.engine, configuration: ServerConfiguration(), logger: .init(label: "test"))
        }
        chmod(harness.database.keyPath, 0o600)
        #expect(PseudonymKeyFile.isExposed(at: harness.database.keyPath) == false)
    }

    @Test func retentionKeepsOnlyAnonymousDailyCounts() throws {
        let engine = harness.engine
        let oldest = try #require(Int64(try DatabaseSnapshot.strings("SELECT min(ts_ms) FROM events", in: harness.database)[0]))
        let total = try count("events")
        let now = engine.clock.now()
        let days = Int((now - oldest) / 86_400_000) - 20
        let doomed = try count("events", where: "ts_ms < \((now / 86_400_000 - Int64(days)) * 86_400_000)")
        #expect(doomed > 0)
        let purged = try engine.purge(days: days)
        #expect(purged.events == doomed)
        #expect(try count("events") == total - doomed)
        #expect(try count("events", where: "ts_ms < \(purged.cutoffMs)") == 0)
        // What is left of them counts the same events, with nobody in it.
        #expect(Int(try DatabaseSnapshot.strings("SELECT sum(events) FROM event_daily_aggregates", in: harness.database)[0]) == doomed)
        #expect(try count("jobs", where: "kind = 'purge' AND status = 'succeeded'") == 1)
        // The server's daily purge does not run twice in a day.
        #expect(try engine.purgeIfDue() == nil)
    }

    @Test func administrativeActsAreAuditedAndTheAuditLogIsAppendOnly() throws {
        let engine = harness.engine
        _ = try engine.setSetting("retention.events_days", to: "200")
        #expect(try engine.export(userID: "c00004").found)
        _ = try engine.forget(userID: "c00004")
        _ = try engine.purge()
        let actions = Set(try DatabaseSnapshot.strings("SELECT action FROM audit_log", in: harness.database))
        #expect(
            actions.isSuperset(of: [
                "init", "import_events", "import_catalog", "import_consents", "train", "key_create", "setting", "export", "forget", "purge",
            ]))
        #expect(throws: (any Error).self) {
            try harness.database.writer.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'someone else'") }
        }
        #expect(throws: (any Error).self) {
            try harness.database.writer.write { db in try db.execute(sql: "DELETE FROM audit_log") }
        }
        #expect(throws: RequestProblem.self) { try engine.setSetting("consent.personalisation", to: "opt-in") }
        #expect(throws: RequestProblem.self) { try engine.setSetting("consent.personalization", to: "maybe") }
    }

    @Test func onlyPeopleWithExperimentsConsentAreAssigned() async throws {
        let (publicKey, engine) = (harness.publicKey, harness.engine)
        try engine.createExperiment(key: "home", variants: [.init(name: "a", weight: 1), .init(name: "b", weight: 1)])
        let answers = try await harness.withServer { client, _ -> [String] in
            func variant(_ user: String) async throws -> String {
                let response = try await client.call(.get, "/v1/users/\(user)/experiments/home", key: publicKey, token: harness.token(user))
                #expect(response.status == .ok)
                return (response.object["variant"] as? String) ?? "none"
            }
            var answers: [String] = []
            // Opt-out (the default): in, unless they withdrew; the same variant every time.
            answers.append(try await variant("exp-1"))
            answers.append(try await variant("exp-1"))
            #expect(
                try await client.call(.post, "/v1/consents", key: publicKey, token: harness.token("exp-2"), json: consent("exp-2", "experiments", false)).status
                    == .created)
            answers.append(try await variant("exp-2"))
            // Opt-in: out until they grant it.
            _ = try engine.setSetting("consent.experiments", to: "opt-in")
            answers.append(try await variant("exp-3"))
            #expect(
                try await client.call(.post, "/v1/consents", key: publicKey, token: harness.token("exp-3"), json: consent("exp-3", "experiments", true)).status == .created
            )
            answers.append(try await variant("exp-3"))
            #expect(try await client.call(.get, "/v1/users/exp-1/experiments/nope", key: publicKey, token: harness.token("exp-1")).status == .notFound)
            return answers
        }
        #expect(answers[0] != "none" && answers[0] == answers[1])
        #expect(answers[2] == "none")
        #expect(answers[3] == "none")
        #expect(answers[4] != "none")
        // Rows only for the two who were assigned.
        #expect(try count("assignments") == 2)
        for user in ["exp-2"] {
            #expect(
                try count("assignments", where: "user_pk = (SELECT user_pk FROM users WHERE pseudonym = '\(engine.pseudonym(of: user))')")
                    == 0)
        }
    }

    @Test func variantsAreDrawnByWeight() {
        let variants: [ExperimentStore.Variant] = [.init(name: "a", weight: 1), .init(name: "b", weight: 3)]
        let draws = (0..<4000).map { Engine.draw(variants, key: "split", pseudonym: String($0)) }
        let share = Double(draws.filter { $0 == "b" }.count) / Double(draws.count)
        #expect(abs(share - 0.75) < 0.03, "\(share)")
        #expect(Engine.draw(variants, key: "split", pseudonym: "7") == Engine.draw(variants, key: "split", pseudonym: "7"))
    }

    @Test func theServerPurgesByItselfWhenItStarts() async throws {
        let engine = harness.engine
        _ = try engine.setSetting("retention.events_days", to: "30")
        let cutoff = (engine.clock.now() / 86_400_000 - 30) * 86_400_000
        #expect(try count("events", where: "ts_ms < \(cutoff)") > 0)
        let database = harness.database
        let purged = try await harness.withServer { _, _ in
            try await eventually { try DatabaseSnapshot.count("jobs", in: database, where: "kind = 'purge' AND status = 'succeeded'") == 1 }
        }
        #expect(purged)
        #expect(try count("events", where: "ts_ms < \(cutoff)") == 0)
        #expect(try count("audit_log", where: "action = 'purge'") == 1)
    }
}
