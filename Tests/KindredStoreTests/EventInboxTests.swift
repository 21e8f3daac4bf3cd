import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// The server's way in (inbox, then filing) must leave the database as a direct write does,
/// and must recognize a duplicate wherever the first copy is: held in the open transaction,
/// waiting in the inbox, or filed.
@Suite struct EventInboxTests {
    static func drafts(_ database: KindredDatabase) -> [EventDraft] {
        let people: [String] = ["u1", "u2", "u3"].map { database.pseudonymizer.pseudonym(of: $0) }
        let types: [EventType] = [.view, .click, .addToCart, .purchase]
        let devices: [Device] = [.mobile, .desktop]
        let countries = ["GB", "DE"]
        return (0..<40).map { (n: Int) -> EventDraft in
            let priced = n % 4 == 3
            let time: Int64 = 1_793_527_200_000 + Int64(n) * 60_000
            return EventDraft(
                sourceEventID: n % 4 == 0 ? "src-\(n)" : nil, type: types[n % 4], userPseudonym: n % 5 == 4 ? nil : people[n % 3],
                itemID: "I\(n % 7)", sessionID: "s\(n % 2)", timestampMs: time, value: priced ? 2 : nil, price: priced ? 9.5 : nil,
                device: devices[n % 2], country: countries[n % 2], region: nil, localHour: 10, referrer: nil, experiment: nil,
                variant: nil, requestID: nil, latitude: nil, longitude: nil)
        }
    }

    /// The person's raw id in place of the pseudonym, which differs between key files.
    static func person(_ database: KindredDatabase) -> String {
        let cases = ["u1", "u2", "u3"].map { "WHEN '\(database.pseudonymizer.pseudonym(of: $0))' THEN '\($0)'" }
        return "CASE u.pseudonym \(cases.joined(separator: " ")) END"
    }

    static func eventColumns(_ database: KindredDatabase) -> String {
        """
        SELECT e.type, \(person(database)) AS person, i.item_id, e.session_id, e.ts_ms, e.value, e.price, e.device, e.country, e.source_event_id
        FROM events e LEFT JOIN users u USING (user_pk) LEFT JOIN items i USING (item_pk) ORDER BY e.ts_ms, e.source_event_id
        """
    }

    static func profileColumns(_ database: KindredDatabase) -> String {
        "SELECT \(person(database)) AS person, events, views, clicks, add_to_carts, purchases, revenue, last_device, last_country, first_seen_ms, last_seen_ms FROM users u ORDER BY person"
    }

    func rows(_ sql: String, in database: KindredDatabase) throws -> [String] {
        try database.writer.read { db in try Row.fetchAll(db, sql: sql).map(\.description) }
    }

    @Test func filingLeavesWhatADirectWriteLeaves() throws {
        let (directDirectory, servedDirectory) = (TemporaryDirectory(), TemporaryDirectory())
        let direct = try TestDatabase.create(in: directDirectory)
        let served = try TestDatabase.create(in: servedDirectory)
        try direct.writer.write { db in
            let writer = try EventWriter(db: db, identities: IdentityResolver(db: db, nowMs: 1), nowMs: 1)
            for draft in Self.drafts(direct) { _ = try writer.write(draft) }
            try writer.finish()
        }
        let keys = EventInboxKeys()
        let outcome = try served.writer.write { db in
            try EventBatchSession(db: db, nowMs: 1, inbox: keys).write(Self.drafts(served))
        }
        keys.commit()
        #expect(outcome.stored == 40)
        #expect(try rows("SELECT count(*) FROM events", in: served) == ["[count(*):0]"], "nothing filed yet")
        #expect(keys.count == 40)
        let (filed, last) = try served.writer.write { db in try EventInbox.file(limit: 25, nowMs: 1, in: db) }
        EventInbox.finishFiling(through: last, keys: keys)
        #expect(filed.rows == 25 && filed.stored == 25)
        #expect(keys.count == 15)
        let (rest, lastRest) = try served.writer.write { db in try EventInbox.file(limit: 25, nowMs: 1, in: db) }
        EventInbox.finishFiling(through: lastRest, keys: keys)
        #expect(rest.rows == 15)
        #expect(keys.count == 0)
        #expect(try rows("SELECT count(*) FROM event_inbox", in: served) == ["[count(*):0]"])
        let (nothing, none) = try served.writer.write { db in try EventInbox.file(limit: 25, nowMs: 1, in: db) }
        #expect(nothing == EventInbox.Filed() && none == nil, "an empty inbox files nothing")
        let events = try rows(Self.eventColumns(direct), in: direct)
        #expect(events.count == 40)
        #expect(try rows(Self.eventColumns(served), in: served) == events)
        #expect(try rows(Self.profileColumns(served), in: served) == (try rows(Self.profileColumns(direct), in: direct)))
    }

    @Test func aDuplicateIsRecognizedWhereverTheFirstCopyIs() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let drafts = Self.drafts(database)
        let keys = EventInboxKeys()
        func write(_ batch: [EventDraft]) throws -> EventBatchSession.Outcome {
            let outcome = try database.writer.write { db in try EventBatchSession(db: db, nowMs: 1, inbox: keys).write(batch) }
            keys.commit()
            return outcome
        }
        // Held in the same transaction: the second copy of an identical row without a source
        // id is a second event (as in an import); a repeated source id is not.
        let first = try database.writer.write { db in
            let session = try EventBatchSession(db: db, nowMs: 1, inbox: keys)
            return (try session.write([drafts[0], drafts[0]]), try session.write([drafts[1], drafts[1]]))
        }
        keys.commit()
        #expect(first.0.stored == 1 && first.0.duplicates == 1, "source id repeated")
        #expect(first.1.stored == 2, "identical rows without an id are all kept")
        // Waiting in the inbox.
        #expect(try write([drafts[0], drafts[2]]).duplicates == 1)
        // A rolled-back transaction leaves nothing behind, in the table or in the keys.
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try database.writer.write { db in
                _ = try EventBatchSession(db: db, nowMs: 1, inbox: keys).write([drafts[3]])
                throw Abandon()
            }
        }
        keys.discard()
        #expect(try write([drafts[3]]).stored == 1)
        // Filed.
        let (_, last) = try database.writer.write { db in try EventInbox.file(limit: 100, nowMs: 1, in: db) }
        EventInbox.finishFiling(through: last, keys: keys)
        let again = try write(Array(drafts[0...3]))
        #expect(again.stored == 0 && again.duplicates == 4)
        #expect(try rows("SELECT count(*) FROM events", in: database) == ["[count(*):5]"])
    }

    @Test func erasingAPersonTakesTheirWaitingEventsToo() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let keys = EventInboxKeys()
        _ = try database.writer.write { db in try EventBatchSession(db: db, nowMs: 1, inbox: keys).write(Self.drafts(database)) }
        keys.commit()
        let pseudonym = database.pseudonymizer.pseudonym(of: "u1")
        let references = try database.writer.read { db in try PersonalData.references(in: db) }
        #expect(references.contains { $0.table == "event_inbox" })
        try database.writer.write { db in
            let userPK = try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [pseudonym])!
            _ = try PersonalData.erase(userPK: userPK, in: db)
        }
        #expect(
            try rows(
                "SELECT count(*) FROM event_inbox WHERE user_pk IS NOT NULL AND user_pk NOT IN (SELECT user_pk FROM users)", in: database)
                == ["[count(*):0]"])
        // u1 had 11 of the 40 (n divisible by 3, not 4 mod 5).
        #expect(try rows("SELECT count(*) FROM event_inbox", in: database) == ["[count(*):29]"])
    }
}
