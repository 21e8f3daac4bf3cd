import Foundation
import KindredTestSupport
import Testing

/// The audit log's hash chain, tampered with the way someone would: with the sqlite3 shell on
/// the database file.
@Suite struct AuditCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    func sqlite(_ sql: String) throws {
        _ = try Executable.run("/usr/bin/sqlite3", [directory.file("kindred.sqlite"), sql])
    }

    /// A shop with five audit entries: init, two settings, an import, a key.
    func shopWithFiveEntries() throws {
        #expect(try kindred("init").status == 0)
        #expect(try kindred("settings", "set", "retention.events_days", "100").status == 0)
        #expect(try kindred("settings", "set", "retention.events_days", "200").status == 0)
        directory.write("events.csv", "user_id,item_id,type,ts\nu1,A,view,2026-11-01 10:00:00\n")
        #expect(try kindred("import", "events", "events.csv").status == 0)
        #expect(try kindred("keys", "create", "--role", "public").status == 0)
        let entries = try kindred("audit", "list", "--json")
        let list = try JSONSerialization.jsonObject(with: Data(entries.stdout.utf8)) as! [[String: Any]]
        #expect(list.count == 5 && list.allSatisfy { ($0["hash"] as? String)?.count == 64 }, "\(entries.stdout)")
    }

    @Test func anUntouchedLogIsIntactAndPrintsItsHead() throws {
        try shopWithFiveEntries()
        let verified = try kindred("audit", "verify")
        #expect(verified.status == 0)
        #expect(verified.stdout.hasPrefix("audit log intact: 5 rows, head "), "\(verified.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try kindred("audit", "verify", "--json").stdout.utf8)) as! [String: Any]
        #expect(json["intact"] as? Bool == true && json["rows"] as? Int == 5 && (json["head"] as? String)?.count == 64)
    }

    @Test func anEditedRowIsNamed() throws {
        try shopWithFiveEntries()
        try sqlite("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET details = '{\"key\":\"retention.events_days\",\"value\":\"9999\"}' WHERE audit_pk = 3;")
        let verified = try kindred("audit", "verify")
        #expect(verified.status == 1)
        #expect(verified.stderr.contains("audit log broken: row 3 its hash does not match its contents"), "\(verified.stderr)")
    }

    @Test func anEditWithItsHashRecomputedIsCaughtAtTheNextRow() throws {
        try shopWithFiveEntries()
        // Whoever edits row 2 and gives it a hash of their own still breaks row 3's link.
        try sqlite("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'someone', hash = printf('%064d', 0) WHERE audit_pk = 2;")
        let verified = try kindred("audit", "verify", "--json")
        #expect(verified.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as! [String: Any]
        #expect(json["intact"] as? Bool == false && json["broken_at"] as? Int == 2)
    }

    @Test func aRemovedRowIsNamed() throws {
        try shopWithFiveEntries()
        try sqlite("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE audit_pk = 2;")
        let verified = try kindred("audit", "verify")
        #expect(verified.status == 1)
        #expect(verified.stderr.contains("row 3 rows 2 to 2 are missing: they were removed"), "\(verified.stderr)")
    }

    @Test func aRowPutInByHandIsNamed() throws {
        try shopWithFiveEntries()
        try sqlite("INSERT INTO audit_log (at_ms, actor, action, details) VALUES (0, 'cli', 'train', '{}');")
        let verified = try kindred("audit", "verify")
        #expect(verified.status == 1)
        #expect(verified.stderr.contains("row 6 has no hash, after rows that have one"), "\(verified.stderr)")
    }

    /// Rows written before the chain existed (no hash) are sealed, in order, by the next entry.
    @Test func rowsFromBeforeTheChainAreSealedByTheNextEntry() throws {
        try shopWithFiveEntries()
        try sqlite("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET hash = NULL;")
        let before = try kindred("audit", "verify")
        #expect(before.status == 0 && before.stdout.contains("5 rows (5 from before the chain, sealed at the next entry)"), "\(before.stdout)")
        // The trigger is gone in this file; sealing does not need it.
        #expect(try kindred("settings", "set", "retention.events_days", "300").status == 0)
        let after = try kindred("audit", "verify")
        #expect(after.status == 0 && after.stdout.hasPrefix("audit log intact: 6 rows, head "), "\(after.stdout)")
    }
}

/// `kindred audit bias` on the demo shop, as a script reads it.
@Suite struct AuditBiasCommandTests {
    let directory = TemporaryDirectory()

    @Test func theDemoShopsReportHasTheFieldsScriptsRead() throws {
        #expect(try KindredProcess.run(["demo"], in: directory.path).status == 0)
        let result = try KindredProcess.run(["audit", "bias", "--db", "kindred-demo.sqlite", "--json"], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(json["version"] as? Int == 1 && json["k"] as? Int == 10)
        let popularity = json["popularity"] as! [String: Any]
        for key in ["mean_recommended_popularity", "long_tail_share", "exposure_gini", "coverage"] { #expect(popularity[key] is Double, "\(key)") }
        let exposure = json["exposure"] as! [String: Any]
        #expect(Set(exposure.keys) == ["category", "price_band", "item_age", "popularity_decile"])
        let gaps = json["accuracy_gaps"] as! [[String: Any]]
        #expect(gaps.map { $0["grouping"] as! String } == ["device", "country", "tenure"])
        #expect(gaps.allSatisfy { $0["ndcg_gap"] is Double && $0["ndcg_gap_low"] is Double })

        let text = try KindredProcess.run(["audit", "bias", "--db", "kindred-demo.sqlite"], in: directory.path)
        #expect(text.stdout.hasPrefix("bias report of model version 1 (item-knn-bm25): lists of 10 for "), "\(text.stdout)")
        #expect(text.stdout.contains("exposure by popularity decile:"))
        let bad = try KindredProcess.run(["audit", "bias", "--db", "kindred-demo.sqlite", "-k", "0"], in: directory.path)
        #expect(bad.status == 2 && bad.stderr.contains("--k: k is 1 to 100, not 0"), "\(bad.stderr)")
    }
}
