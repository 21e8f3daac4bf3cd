import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

@Suite struct EventImportTests {
    let header = "user_id,item_id,type,ts,session_id,value,price,device,country,hour\n"

    @Test func eventsAreStoredWithTheirContextAndTheirProfiles() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let counts = try importText(
            header + """
                u1,A,view,2026-11-01T10:00:00Z,s1,,,mobile,GB,11
                u1,A,dwell,2026-11-01T10:00:30Z,s1,42,,mobile,GB,11
                u1,A,purchase,2026-11-01T10:05:00Z,s1,2,9.5,desktop,DE,11
                ,B,view,2026-11-01T11:00:00Z,s2,,,tablet,FR,
                u2,B,scroll,2026-11-02 09:30:00,s3,0.8,,phone,GB,
                """, kind: .events, into: database)
        #expect(counts.rowsRead == 5)
        #expect(counts.imported == 5)
        #expect(counts.newUsers == 2)
        #expect(counts.newItems == 2)
        try database.writer.read { (db: Database) throws -> Void in
            let u1 = try Row.fetchOne(
                db, sql: "SELECT * FROM users WHERE pseudonym = ?", arguments: [database.pseudonymizer.pseudonym(of: "u1")])!
            #expect(u1["events"] == 3)
            #expect(u1["views"] == 1)
            #expect(u1["dwells"] == 1)
            #expect(u1["purchases"] == 1)
            #expect(u1["revenue"] == 19.0)
            #expect(u1["last_device"] == "desktop")
            #expect(u1["last_country"] == "DE")
            #expect(u1["first_seen_ms"] == 1_793_527_200_000 as Int64)
            #expect(u1["last_seen_ms"] == 1_793_527_500_000 as Int64)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE user_pk IS NULL") == 1)
            // The wall-clock timestamp gives the local hour; 'phone' is folded into 'mobile'.
            let scroll = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE type = 'scroll'")!
            #expect(scroll["local_hour"] == 9)
            #expect(scroll["device"] == "mobile")
            #expect(scroll["value"] == 0.8)
            // Items named only by events are created as placeholders.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM items WHERE catalog_ms IS NULL") == 2)
        }
    }

    @Test func importingTheSameFileTwiceStoresEachEventOnce() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let file = header + "u1,A,view,1793527200,s1,,,,,\nu1,B,view,1793527260,s1,,,,,\n"
        _ = try importText(file, kind: .events, into: database)
        let before = try DatabaseSnapshot.take(database)
        let again = try importText(file, kind: .events, into: database)
        #expect(again.imported == 0)
        #expect(again.duplicates == 2)
        var after = try DatabaseSnapshot.take(database)
        // Only the profile's updated_ms may differ; nothing else changes.
        after["users"] = before["users"]
        #expect(after == before)
        #expect(try DatabaseSnapshot.count("users", in: database, where: "events = 2") == 1)
    }

    @Test func overlappingExportsStoreTheOverlapOnce() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let monday = header + "u1,A,view,1793527200,s1,,,,,\nu1,B,view,1793527260,s1,,,,,\n"
        let tuesday = header + "u1,B,view,1793527260,s1,,,,,\nu2,C,view,1793613600,s2,,,,,\n"
        _ = try importText(monday, kind: .events, into: database)
        let counts = try importText(tuesday, kind: .events, into: database)
        #expect(counts.imported == 1)
        #expect(counts.duplicates == 1)
        #expect(try DatabaseSnapshot.count("events", in: database) == 3)
    }

    @Test func identicalRowsWithinOneFileAreAllKeptAndStillIdempotent() throws {
        // Order logs repeat lines genuinely (the same product scanned twice on one invoice).
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let file = header + "u1,A,purchase,1793527200,s1,1,2.5,,,\nu1,A,purchase,1793527200,s1,1,2.5,,,\n"
        #expect(try importText(file, kind: .events, into: database).imported == 2)
        #expect(try importText(file, kind: .events, into: database).duplicates == 2)
        #expect(try DatabaseSnapshot.count("events", in: database) == 2)
    }

    @Test func sourceEventIdsMakeReimportsExact() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let first = "event_id,user_id,item_id,type,ts\ne1,u1,A,view,1793527200\n"
        let corrected = "event_id,user_id,item_id,type,ts\ne1,u1,A,view,1793527201\ne2,u1,B,view,1793527300\n"
        _ = try importText(first, kind: .events, into: database)
        let counts = try importText(corrected, kind: .events, into: database)
        #expect(counts.imported == 1)
        #expect(counts.duplicates == 1)
    }

    @Test func mappedColumnsConstantTypeAndNegativeQuantitiesAsReturns() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let orders = """
            InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
            536365,85123A,"WHITE HANGING HEART T-LIGHT HOLDER",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
            C536379,85123A,"WHITE HANGING HEART T-LIGHT HOLDER",-1,2010-12-01 09:41:00,2.55,17850.0,United Kingdom
            536370,22728,"ALARM CLOCK BAKELIKE PINK",24,2010-12-01 08:45:00,3.75,,France
            """
        let counts = try importText(
            orders, kind: .events, into: database,
            map: "user_id=CustomerID,item_id=StockCode,ts=InvoiceDate,session_id=InvoiceNo,value=Quantity,price=UnitPrice,country=Country",
            type: .purchase)
        #expect(counts.imported == 3)
        try database.writer.read { (db: Database) throws -> Void in
            let types = try String.fetchAll(db, sql: "SELECT type FROM events ORDER BY ts_ms")
            #expect(types == ["purchase", "purchase", "return"])
            #expect(try Double.fetchOne(db, sql: "SELECT value FROM events WHERE type = 'return'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE user_pk IS NULL") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT local_hour FROM events WHERE session_id = '536365'") == 8)
            let user = try Row.fetchOne(db, sql: "SELECT purchases, returns, revenue FROM users")!
            #expect(user["purchases"] == 1)
            #expect(user["returns"] == 1)
            #expect(abs((user["revenue"] as Double) - (6 * 2.55 - 2.55)) < 1e-9)
        }
    }

    @Test func jsonLinesImportTheSameWay() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let lines = """
            {"user_id": "u1", "item_id": "A", "type": "view", "ts": 1793527200000, "device": "desktop"}

            {"user_id": "42", "item_id": "B", "type": "add_to_cart", "ts": "2026-11-01T10:00:00Z", "value": 2, "price": 3.5}
            """
        let counts = try importText(lines, kind: .events, into: database, file: "e.jsonl", format: .jsonl)
        #expect(counts.imported == 2)
        #expect(
            try DatabaseSnapshot.count("users", in: database, where: "pseudonym = '\(database.pseudonymizer.pseudonym(of: "42"))'") == 1)
        // JSON types are checked as the API checks them: a number is no id, an array no item.
        #expect(
            refusal {
                try importText(
                    #"{"user_id": 42, "item_id": "B", "type": "view", "ts": 1793527200000}"# + "\n"
                        + #"{"user_id": "u1", "item_id": ["P1"], "type": "view", "ts": 1793527200000}"#, kind: .events,
                    into: database, file: "t.jsonl", format: .jsonl)
            } == ["t.jsonl:1: user_id: must be a string", "t.jsonl:2: item_id: must be a string"])
    }

    @Test func badRowsRefuseTheWholeFileAndChangeNothing() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        _ = try importText(header + "u0,Z,view,1793527200,s0,,,,,\n", kind: .events, into: database)
        let before = try DatabaseSnapshot.take(database)
        let errors = refusal {
            try importText(
                header + """
                    u1,A,view,1793527200,s1,,,,,
                    u1,A,teleport,1793527200,s1,,,,,
                    u1,A,view,last tuesday,s1,,,,,
                    u1,A,dwell,1793527200,s1,forty,,,,
                    u1,A,view,1793527200,s1,,,,,,
                    u1,A,scroll,1793527200,s1,1.5,,,,
                    u1,A,view,1793527200,s1,,,fridge,,
                    u1,A,view,1793527200,s1,,,,,25
                    u1,,view,1793527200,s1,,,,,
                    u1,A,view,1793527200,s1,,abc,,,
                    """, kind: .events, into: database, file: "events.csv")
        }
        #expect(
            errors == [
                "events.csv:3: type: unknown event type 'teleport' (known: view, click, dwell, scroll, add_to_cart, remove_from_cart, purchase, return, impression, search, rating)",
                "events.csv:4: ts: 'last tuesday': not a timestamp (expected ISO-8601, YYYY-MM-DD HH:MM:SS, or Unix seconds or milliseconds)",
                "events.csv:5: value: 'forty' is not a number",
                "events.csv:6: expected 10 fields as in the header, found 11",
                "events.csv:7: value: scroll depth 1.5 is outside 0..1",
                "events.csv:8: device: unknown device 'fridge' (known: desktop, mobile, tablet, tv, bot, other, kiosk)",
                "events.csv:9: hour: 25 is outside 0...23",
                "events.csv:10: item_id: missing value (every view event names an item)",
                "events.csv:11: price: 'abc' is not a number",
            ])
        #expect(try DatabaseSnapshot.take(database) == before)
    }

    @Test func fileLevelProblemsAreNamed() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        #expect(
            refusal { try importText("", kind: .events, into: database, file: "e.csv") } == ["e.csv: empty file; expected a header line"])
        #expect(
            refusal { try importText("\n\n", kind: .events, into: database, file: "e.csv") } == [
                "e.csv: empty file; expected a header line"
            ])
        #expect(
            refusal { try importText("user_id,item_id,type\nu,A,view\n", kind: .events, into: database, file: "e.csv") } == [
                "e.csv:1: ts: required column missing; name a column 'ts' or map one with --map ts=COLUMN (the header has: user_id, item_id, type)"
            ])
        #expect(
            refusal { try importText("a,b\n1,2\n", kind: .events, into: database, file: "e.csv", map: "ts=When") } == [
                "e.csv:1: ts: no column named 'When' (--map ts=When); the header has: a, b"
            ])
        let binary = String(decoding: [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00], as: UTF8.self)
        #expect(
            refusal { try importText(binary, kind: .events, into: database, file: "e.csv") } == [
                "e.csv: binary file (it contains NUL bytes); expected CSV text"
            ])
        #expect(
            refusal { try importText("{\"type\": \"view\"\n", kind: .events, into: database, file: "e.jsonl", format: .jsonl) } == [
                "e.jsonl:1: not valid JSON (unexpected end of the JSON text at byte 15)"
            ])
        #expect(
            refusal { try importText("[1, 2]\n", kind: .events, into: database, file: "e.jsonl", format: .jsonl) } == [
                "e.jsonl:1: expected a JSON object on each line"
            ])
        let long = String(repeating: "x", count: 300)
        #expect(
            refusal {
                try importText(
                    header + "u1,\(long),view,1793527200,,,,,,\n", kind: .events, into: database, file: "e.csv", maxRecordBytes: 200)
            } == [
                "e.csv:2: record longer than 200 bytes"
            ])
        #expect(try DatabaseSnapshot.count("events", in: database) == 0)
    }

    @Test func anAllOrNothingImportStopsAfterTenErrors() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let bad = header + String(repeating: "u1,A,nope,1793527200,,,,,,\n", count: 50)
        do {
            _ = try importText(bad, kind: .events, into: database)
            Issue.record("expected a refusal")
        } catch let error as ImportRefused {
            #expect(error.errors.count == 10)
            #expect(error.stoppedEarly)
        }
    }

    @Test func skipBadImportsGoodRowsAndSetsBadOnesAside() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let rejects = directory.file("rejects.csv")
        let counts = try importText(
            header + """
                u1,A,view,1793527200,s1,,,,,
                u1,A,view,"bad"date,s1,,,,,
                u2,B,nope,1793527200,s1,,,,,
                u3,C,view,1793527200,s1,,,,,
                """, kind: .events, into: database, file: "e.csv", skipBad: true, rejects: rejects)
        #expect(counts.rowsRead == 4)
        #expect(counts.imported == 2)
        #expect(counts.rejected == 2)
        let text = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(
            text == """
                line,field,error,record
                3,,field 4: unexpected character after a closing quote,"u1,A,view,""bad""date,s1,,,,,"
                4,type,"unknown event type 'nope' (known: view, click, dwell, scroll, add_to_cart, remove_from_cart, purchase, return, impression, search, rating)","u2,B,nope,1793527200,s1,,,,,"

                """)
    }

    @Test func rawUserIdsNeverReachTheDatabaseFileOrItsWAL() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let emails = (1...200).map { "customer\($0)@example.com" }
        var text = header
        for (index, email) in emails.enumerated() {
            text += "\(email),item\(index % 7),view,\(1_793_527_200 + index),s\(index),,,,,\n"
        }
        _ = try importText(text, kind: .events, into: database)
        _ = try importText("user_id,purpose,granted,ts\n\(emails[0]),analytics,yes,1793527200\n", kind: .consents, into: database)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: database.path))
        bytes += (try? Data(contentsOf: URL(fileURLWithPath: database.path + "-wal"))) ?? Data()
        #expect(bytes.count > 10_000)
        for email in emails {
            #expect(bytes.range(of: Data(email.utf8)) == nil, "\(email) is in the database file")
        }
        #expect(bytes.range(of: Data("@example.com".utf8)) == nil)
        #expect(bytes.range(of: Data(database.pseudonymizer.pseudonym(of: emails[0]).utf8)) != nil, "pseudonyms are stored")
    }
}

/// The visitor's time zone, as pages report it: stored as given when it has the shape of an
/// IANA name, refused by line and field when it does not.
@Suite struct EventTimeZoneTests {
    static let header = "user_id,item_id,type,ts,time_zone\n"

    @Test func namesAreStoredAsGivenOnEveryWayIn() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let zones = ["Europe/London", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5", ""]
        let rows = zones.enumerated().map { "u1,A,view,\(1_793_527_200 + $0.offset),\($0.element)" }.joined(separator: "\n")
        #expect(try importText(Self.header + rows + "\n", kind: .events, into: database).imported == 5)
        let stored = try database.writer.read { db in
            try String?.fetchAll(db, sql: "SELECT time_zone FROM events_readable ORDER BY at")
        }
        #expect(stored == ["Europe/London", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5", nil])
    }

    @Test func anythingElseIsRefusedByLineAndField() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let bad = ["Europe/London;DROP", "../etc/passwd", "/London", "Europe//London", "a/b/c/d", "Éurope/Paris", "5/Zone"]
        let rows = bad.map { "u1,A,view,1793527200,\($0)" }.joined(separator: "\n")
        let errors = refusal { try importText(Self.header + rows + "\n", kind: .events, into: database, file: "zones.csv") }
        #expect(errors.count == bad.count)
        for (index, zone) in bad.enumerated() {
            #expect(
                errors[index] == "zones.csv:\(index + 2): time_zone: '\(zone)' is not a time zone name such as Europe/London", "\(errors)")
        }
    }
}
