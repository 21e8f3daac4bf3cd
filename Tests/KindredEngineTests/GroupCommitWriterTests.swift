import Foundation
import GRDB
import KindredEngine
import KindredTestSupport
import Testing

@testable import KindredStore

/// The server's event writer with the inbox made visible: a policy that never files before
/// answering, so that what waits in the inbox, and what filing does, can be watched.
@Suite struct GroupCommitWriterTests {
    let directory = TemporaryDirectory()
    let database: KindredDatabase

    init() throws {
        database = try TestDatabase.create(in: directory)
    }

    func drafts(_ prefix: String, count: Int) -> [EventDraft] {
        TestEvents.views(prefix, count: count, people: 3, items: count, pseudonymizer: database.pseudonymizer)
    }

    func count(_ table: String, where condition: String = "1") throws -> Int {
        try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE \(condition)")! }
    }

    static func waitFor(_ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    /// Never files before answering, nor for an hour: only closing does. (A minute was not
    /// enough: on two cores, the full suite's tests that wait on subprocesses can hold both of
    /// Swift's cooperative threads long enough that a test is paused for over a minute between
    /// its write and its count, and the writer then filed, as it should.)
    static var patient: GroupCommitWriter.FilingPolicy {
        var policy = GroupCommitWriter.FilingPolicy()
        policy.quietRows = 0
        policy.quietPause = 3600
        policy.interval = 3600
        return policy
    }

    @Test func acknowledgedEventsWaitInTheInboxAndAreNeverStoredTwice() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system, filing: Self.patient)
        try writer.start()
        let first = try await writer.write(drafts("a", count: 30))
        #expect(first.stored == 30)
        #expect(try count("event_inbox") == 30)
        #expect(try count("events") == 0)
        // A retried request while the first copy waits in the inbox stores nothing twice.
        let retried = try await writer.write(drafts("a", count: 30))
        #expect(retried.stored == 0 && retried.duplicates == 30)
        await writer.close()
        #expect(try count("events") == 30)
        #expect(try count("event_inbox") == 0)
        #expect(try count("users", where: "views = 10 AND last_device = 'mobile' AND last_country = 'GB'") == 3)
        #expect(writer.statistics.eventsStored == 30)
        #expect(writer.statistics.eventsFiled == 30)
        // Filed: still recognized.
        let again = GroupCommitWriter(database: database, clock: .system, filing: Self.patient)
        try again.start()
        #expect(try await again.write(drafts("a", count: 30)).duplicates == 30)
        await again.close()
    }

    @Test func underLoadTheIntervalFilesTheInbox() async throws {
        var policy = Self.patient
        policy.interval = 0.3
        let writer = GroupCommitWriter(database: database, clock: .system, filing: policy)
        try writer.start()
        #expect(try await writer.write(drafts("e", count: 30)).stored == 30)
        #expect(try await Self.waitFor { try count("events") == 30 && count("event_inbox") == 0 }, "filed without closing")
        await writer.close()
    }

    @Test func aQuietServerFilesBeforeItAnswers() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system)
        try writer.start()
        #expect(try await writer.write(drafts("b", count: 10)).stored == 10)
        #expect(try count("events") == 10)
        #expect(try count("event_inbox") == 0)
        await writer.close()
    }

    /// Writes to the inbox as a server that then crashed would have.
    func leaveInInbox(_ drafts: [EventDraft]) throws {
        let keys = EventInboxKeys()
        _ = try database.writer.write { db in try EventBatchSession(db: db, nowMs: 1, inbox: keys).write(drafts) }
    }

    /// Makes every insert into `events` fail, as a full disk or a careless script at the
    /// sqlite3 prompt could.
    func refuseEventsBehindKindredsBack() throws {
        try database.writer.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
    }

    @Test func whatACrashLeftInTheInboxIsFiledAtStart() async throws {
        try leaveInInbox(drafts("c", count: 12))
        #expect(try count("event_inbox") == 12)
        let writer = GroupCommitWriter(database: database, clock: .system)
        try writer.start()
        #expect(try count("events") == 12)
        #expect(try count("event_inbox") == 0)
        #expect(try await writer.write(drafts("c", count: 12)).duplicates == 12)
        await writer.close()
    }

    @Test func closingFilesEverything() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system, filing: Self.patient)
        try writer.start()
        _ = try await writer.write(drafts("d", count: 20))
        #expect(try count("event_inbox") == 20)
        await writer.close()
        #expect(try count("events") == 20)
        #expect(try count("event_inbox") == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func eventsOfAnErasedPersonLeaveTheInboxWithThem() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system, filing: Self.patient)
        try writer.start()
        #expect(try await writer.write(drafts("h", count: 30)).stored == 30)
        // The newest rows in the inbox are all theirs.
        let theirs = drafts("i", count: 30).filter { $0.userPseudonym == database.pseudonymizer.pseudonym(of: "person-0") }
        #expect(try await writer.write(theirs).stored == 10)
        try erase("person-0")
        #expect(try count("event_inbox") == 20)
        await writer.close()
        #expect(try count("events") == 20)
        #expect(writer.statistics.eventsWaiting == 0)
    }

    /// Filing trusts the inbox's item keys (it runs without foreign-key checks), so an item
    /// that waiting events refer to must never be deleted, only retired.
    @Test func anItemWaitingEventsReferToIsRetiredNotDeletedAndFilingKeepsEveryReference() async throws {
        try leaveInInbox(drafts("r", count: 2))
        let removals = try await database.writer.write { db in
            try db.execute(sql: "INSERT INTO items (item_id, created_ms, updated_ms) VALUES ('unused', 1, 1)")
            return [
                try CatalogItemStore.remove(itemID: "I0", in: db, nowMs: 2),
                try CatalogItemStore.remove(itemID: "unused", in: db, nowMs: 2),
            ]
        }
        #expect(removals == [.retired, .deleted])
        let writer = GroupCommitWriter(database: database, clock: .system)
        try writer.start()
        await writer.close()
        #expect(try count("events") == 2)
        let dangling = try database.writer.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        #expect(dangling.isEmpty)
    }

    /// I0 to I3 in garden, I4 and I5 in kitchen, for the favourite-category recounts.
    func catalogueGardenAndKitchen() async throws {
        try await database.writer.write { db in
            for n in 0..<6 {
                try db.execute(
                    sql: "INSERT INTO items (item_id, category, catalog_ms, created_ms, updated_ms) VALUES (?, ?, 1, 1, 1)",
                    arguments: ["I\(n)", n < 4 ? "garden" : "kitchen"])
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func favouriteCategoriesAreRecountedBesideTheWriterWhileItRuns() async throws {
        try await catalogueGardenAndKitchen()
        let writer = GroupCommitWriter(database: database, clock: .system)
        try writer.start()
        #expect(try await writer.write(drafts("k", count: 6)).stored == 6)
        // person-0 viewed I0 and I3 (garden), person-1 I1 (garden) and I4 (kitchen).
        #expect(
            try await Self.waitFor {
                try count("users", where: #"favourite_categories = '["garden"]'"#) == 1
                    && count("users", where: #"favourite_categories = '["garden","kitchen"]'"#) == 2
            }, "recounted without closing")
        await writer.close()
    }

    /// The simulator's seed decides its events only if serving after a batch sees the same
    /// state however busy the writer was: `settle` files and recounts now, and the writer runs on.
    @Test(.timeLimit(.minutes(1)))
    func settlingFilesAndRecountsAtOnceAndTheWriterRunsOn() async throws {
        try await catalogueGardenAndKitchen()
        let writer = GroupCommitWriter(database: database, clock: .system, filing: Self.patient)
        try writer.start()
        #expect(try await writer.write(drafts("s", count: 6)).stored == 6)
        #expect(try count("events") == 0, "the patient writer waits")
        await writer.settle()
        #expect(try count("events") == 6 && count("event_inbox") == 0)
        #expect(try count("users", where: #"favourite_categories = '["garden"]'"#) == 1)
        #expect(try count("users", where: #"favourite_categories = '["garden","kitchen"]'"#) == 2)
        #expect(try await writer.write(drafts("t", count: 6)).stored == 6, "still taking events")
        await writer.close()
        await writer.settle()  // after closing: returns at once
    }

    func erase(_ rawID: String) throws {
        let pseudonym = database.pseudonymizer.pseudonym(of: rawID)
        try database.writer.write { db in
            let userPK = try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [pseudonym])!
            _ = try PersonalData.erase(userPK: userPK, in: db)
        }
    }

    /// Events reach the inbox without SQLite checking their people (they are resolved in the
    /// same transaction); an impression names a person a request read earlier, so its group is
    /// checked, and an impression of someone erased since is refused rather than left dangling.
    @Test func eventsGoUncheckedButAnImpressionOfAnErasedPersonIsRefused() async throws {
        let errors = ErrorLog()
        let writer = GroupCommitWriter(database: database, clock: .system, filing: Self.patient, onError: { errors.append($0) })
        try writer.start()
        #expect(try await writer.write(drafts("u", count: 6)).stored == 6)
        let pseudonym = database.pseudonymizer.pseudonym(of: "person-1")
        let erasedPK = try await database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [pseudonym])!
        }
        try erase("person-1")
        #expect(try count("event_inbox") == 4, "erasure took person-1's waiting events with them")
        writer.log([
            ImpressionRecord(
                requestID: "shown-to-the-erased", timestampMs: 1, userPK: erasedPK, surface: .recommendations, anchorItemID: nil,
                modelVersion: nil, personalized: true, items: [.init(itemID: "I0", score: 1, reason: nil)])
        ])
        // The same person comes back: a new profile, found after the writer forgot its keys.
        #expect(try await writer.write(drafts("v", count: 6)).stored == 6)
        #expect(try await Self.waitFor { writer.statistics.impressionsDropped == 1 })
        #expect(errors.messages.contains { $0.contains("could not log 1 impressions") })
        await writer.close()
        #expect(try count("impressions") == 0)
        #expect(try count("events", where: "user_pk IS NOT NULL") == 10)
        let brokenReferences = try database.writer.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        #expect(brokenReferences.isEmpty)
    }

    @Test func anInboxThatCannotBeFiledIsReportedAndKeptWhileTheServerRuns() async throws {
        try leaveInInbox(drafts("f", count: 5))
        try refuseEventsBehindKindredsBack()
        let errors = ErrorLog()
        let writer = GroupCommitWriter(database: database, clock: .system, onError: { errors.append($0) })
        try writer.start()
        #expect(errors.messages.contains { $0.contains("could not file 5 events") && $0.contains("they stay in the inbox") })
        #expect(try count("event_inbox") == 5)
        #expect(try count("events") == 0)
        // The server still takes events, and they are safe in the inbox too.
        #expect(try await writer.write(drafts("g", count: 3)).stored == 3)
        #expect(try count("event_inbox") == 8)
        await writer.close()
        #expect(try count("event_inbox") == 8)
    }

    func shown(_ requestID: String) -> ImpressionRecord {
        ImpressionRecord(
            requestID: requestID, timestampMs: 1, userPK: nil, surface: .recommendations, anchorItemID: nil,
            modelVersion: nil, personalized: false, items: [.init(itemID: "I0", score: 1, reason: nil)])
    }

    /// Responses logged within the linger share one transaction, however many arrive.
    @Test func impressionsAloneWaitForCompanyAndCommitTogether() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system, impressions: .init(linger: 1, responses: 256))
        try writer.start()
        for n in 0..<5 { writer.log([shown("r\(n)")]) }
        #expect(try await Self.waitFor { writer.statistics.impressions == 5 })
        #expect(writer.statistics.commits == 1)
        #expect(try count("impressions") == 5)
        await writer.close()
    }

    /// An event someone waits for does not wait for the linger, and takes the impressions
    /// queued before it into its transaction, so a click is never stored before its list.
    @Test func anEventTakesTheWaitingImpressionsAlongAtOnce() async throws {
        let writer = GroupCommitWriter(
            database: database, clock: .system, filing: Self.patient, impressions: .init(linger: 3600, responses: 256))
        try writer.start()
        writer.log([shown("before-the-click")])
        #expect(try await writer.write(drafts("c", count: 2)).stored == 2)
        #expect(try count("impressions", where: "request_id = 'before-the-click'") == 1)
        #expect(writer.statistics.commits == 1)
        await writer.close()
    }

    /// Enough responses commit without waiting out the linger; closing commits the rest.
    @Test func enoughResponsesCommitAtOnceAndClosingCommitsTheRest() async throws {
        let writer = GroupCommitWriter(database: database, clock: .system, impressions: .init(linger: 3600, responses: 3))
        try writer.start()
        for n in 0..<3 { writer.log([shown("full\(n)")]) }
        #expect(try await Self.waitFor { try count("impressions") == 3 })
        writer.log([shown("last")])
        await writer.close()
        #expect(try count("impressions") == 4)
    }
}

/// Messages a writer reported, from its thread.
final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ message: String) { lock.withLock { stored.append(message) } }
    var messages: [String] { lock.withLock { stored } }
}
