import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

@Suite struct CatalogImportTests {
    @Test func catalogRowsAreUpsertedAndExtraColumnsBecomeAttributes() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText("user_id,item_id,type,ts\nu1,P1,view,1793527200\n", kind: .events, into: database)
        let counts = try importText(
            """
            item_id,title,category,tags,price,in_stock,brand,CustomerEmail
            P1,"Mug, large",home/kitchen,tea|gift,12.5,yes,Oak & Ivy,someone@example.com
            P2,Teapot,home/kitchen,"[""tea""]",20,0,,
            """, kind: .catalog, into: database)
        #expect(counts.imported == 2)
        #expect(counts.newItems == 2, "P1 existed only as a placeholder from events: it joins the catalog now")
        #expect(counts.updatedItems == 0)
        try database.writer.read { (db: Database) throws -> Void in
            let p1 = try Row.fetchOne(db, sql: "SELECT * FROM items WHERE item_id = 'P1'")!
            #expect(p1["title"] == "Mug, large")
            #expect(p1["tags"] == #"["tea","gift"]"#)
            #expect(p1["price"] == 12.5)
            #expect(p1["in_stock"] == 1)
            #expect(p1["attributes"] == #"{"brand":"Oak & Ivy"}"#, "the customer column is dropped, not stored")
            #expect(p1["catalog_ms"] != nil as Int64?)
            let p2 = try Row.fetchOne(db, sql: "SELECT * FROM items WHERE item_id = 'P2'")!
            #expect(p2["tags"] == #"["tea"]"#)
            #expect(p2["in_stock"] == 0)
        }
        // An update that leaves cells empty keeps what was there; attributes merge.
        let update = try importText("item_id,title,price,colour\nP1,,13.0,blue\n", kind: .catalog, into: database)
        #expect(update.updatedItems == 1)
        try database.writer.read { (db: Database) throws -> Void in
            let p1 = try Row.fetchOne(db, sql: "SELECT * FROM items WHERE item_id = 'P1'")!
            #expect(p1["title"] == "Mug, large")
            #expect(p1["price"] == 13.0)
            #expect(p1["attributes"] == #"{"brand":"Oak & Ivy","colour":"blue"}"#)
        }
        #expect(try DatabaseSnapshot.count("items", in: database) == 2)
    }

    @Test func favouriteCategoriesFollowTheCatalog() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText("item_id,category\nA,garden\nB,kitchen\nC,kitchen\n", kind: .catalog, into: database)
        _ = try importText(
            "user_id,item_id,type,ts\nu,A,view,1793527200\nu,B,view,1793527201\nu,C,view,1793527202\nu,C,impression,1793527203\n",
            kind: .events, into: database)
        let favourites = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT favourite_categories FROM users") }
        #expect(favourites == #"["kitchen","garden"]"#)
    }

    @Test func badCatalogRowsAreNamed() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        #expect(
            refusal {
                try importText(
                    "item_id,price,in_stock,tags\n,1,1,\nP1,cheap,1,\nP2,1,maybe,\nP3,1,1,[oops\n", kind: .catalog, into: database,
                    file: "c.csv")
            } == [
                "c.csv:2: item_id: missing value",
                "c.csv:3: price: 'cheap' is not a number",
                "c.csv:4: in_stock: 'maybe' is not yes or no (use true/false, 1/0, granted/withdrawn)",
                "c.csv:5: tags: starts with '[' but is not a JSON array",
            ])
        #expect(
            refusal { try importText("title\nMug\n", kind: .catalog, into: database, file: "c.csv") }.first?.hasPrefix(
                "c.csv:1: item_id: required column missing") == true)
    }
}

@Suite struct ConsentImportTests {
    @Test func decisionsAreAppendedAndTheViewShowsTheLatest() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let file = """
            user_id,purpose,granted,ts,source,policy_version
            alice,personalization,granted,2026-08-01T10:00:00Z,banner,v1
            alice,personalization,withdrawn,2026-09-01T10:00:00Z,account,v1
            alice,analytics,yes,2026-08-01T10:00:00Z,banner,v1
            bob,personalization,no,2026-08-02T10:00:00Z,banner,v1
            """
        #expect(try importText(file, kind: .consents, into: database).imported == 4)
        #expect(try importText(file, kind: .consents, into: database).duplicates == 4)
        try database.writer.read { (db: Database) throws -> Void in
            let alice = database.pseudonymizer.pseudonym(of: "alice")
            let current = try Row.fetchAll(
                db, sql: "SELECT purpose, granted, source FROM current_consents WHERE pseudonym = ? ORDER BY purpose", arguments: [alice])
            #expect(current.map { $0["purpose"] as String } == ["analytics", "personalization"])
            #expect(current.map { $0["granted"] as Int } == [1, 0])
        }
    }

    @Test func unknownPurposesAndMissingAnswersAreRefused() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        #expect(
            refusal {
                try importText(
                    "user_id,purpose,granted,ts\nu,marketing,yes,1793527200\nu,analytics,,1793527200\n", kind: .consents, into: database,
                    file: "c.csv")
            } == [
                "c.csv:2: purpose: unknown purpose 'marketing' (configured: personalization, analytics, experiments)",
                "c.csv:3: granted: missing value",
            ])
    }
}
