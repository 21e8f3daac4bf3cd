import Foundation
import GRDB

/// The stages of events imports that run in short transactions beside a running server, in
/// `import_stages` and `import_staged_events` (migration 0006 describes the whole protocol:
/// stage, publish, file, finish). Each function does one step inside the caller's
/// transaction; the caller (the Engine's import) decides how many rows a step takes, so that
/// no transaction holds the write lock for long.
public enum ImportStaging {
    /// One stage as the database holds it.
    public struct Stage: Sendable, Equatable {
        public var stagePK: Int64
        public var file: String
        public var format: String
        public var isPublished: Bool
        public var startedMs: Int64
        public var rejectsFile: String?
        /// What staging counted and filing did so far.
        public var counts: ImportCounts
        /// Rows staged and not yet filed.
        public var rowsWaiting: Int
    }

    /// Opens a stage for a file; its rows follow with `StagedEventImport.append`.
    public static func begin(file: String, format: FileFormat, nowMs: Int64, in db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO import_stages (kind, file, format, state, started_ms) VALUES ('events', ?, ?, 'staging', ?)",
            arguments: [file, format.rawValue, nowMs])
        return db.lastInsertedRowID
    }

    /// Every stage, oldest first: in progress, published and waiting to be filed, or left
    /// behind by an import that was interrupted.
    public static func stages(in db: Database) throws -> [Stage] {
        guard try db.tableExists("import_stages") else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT s.*, (SELECT count(*) FROM import_staged_events AS e WHERE e.stage_pk = s.stage_pk) AS waiting
                FROM import_stages AS s ORDER BY stage_pk
                """
        ).map { row in
            var counts = ImportCounts()
            counts.rowsRead = row["rows_read"]
            counts.rejected = row["rejected"]
            counts.imported = row["imported"]
            counts.duplicates = row["duplicates"]
            counts.anonymized = row["anonymized"]
            counts.withheld = row["withheld"]
            counts.newUsers = row["new_users"]
            counts.newItems = row["new_items"]
            counts.maxEventPK = row["max_event_pk"]
            return Stage(
                stagePK: row["stage_pk"], file: row["file"], format: row["format"], isPublished: row["state"] == "published",
                startedMs: row["started_ms"], rejectsFile: row["rejects_file"], counts: counts, rowsWaiting: row["waiting"])
        }
    }

    /// Commits the import: from this transaction on, every staged row will be filed.
    /// `reading` holds what staging counted: rows read and rejected, events withheld or
    /// anonymized for want of consent.
    public static func publish(stagePK: Int64, reading: ImportCounts, rejectsFile: String?, nowMs: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE import_stages SET state = 'published', published_ms = ?, rows_read = ?, rejected = ?, withheld = ?,
                    anonymized = ?, rejects_file = ?
                WHERE stage_pk = ? AND state = 'staging'
                """, arguments: [nowMs, reading.rowsRead, reading.rejected, reading.withheld, reading.anonymized, rejectsFile, stagePK])
        guard db.changesCount == 1 else { throw StoreError.importStage(stagePK: stagePK, problem: "it is not staging any more") }
    }

    /// Deletes up to `rows` rows of an unpublished stage, and the stage once it is empty.
    /// Returns whether rows remain.
    public static func discard(stagePK: Int64, rows: Int, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                DELETE FROM import_staged_events WHERE staged_pk IN (
                    SELECT staged_pk FROM import_staged_events WHERE stage_pk = ? ORDER BY staged_pk LIMIT ?)
                """, arguments: [stagePK, rows])
        if db.changesCount == rows { return true }
        try db.execute(sql: "DELETE FROM import_stages WHERE stage_pk = ? AND state = 'staging'", arguments: [stagePK])
        return false
    }

    /// What one filing step did.
    public struct FilingStep: Sendable {
        public var filed = 0
        /// People whose events this step filed (their favourite categories are due a recount).
        public var people: [Int64] = []
        public var rowsRemain = false
    }

    /// Files up to `rows` staged rows of a published stage into `events`, the way an import in
    /// one transaction writes them (duplicates, people and items found or created, profiles;
    /// consent and keys were settled as the rows were staged), except favourite categories,
    /// which the caller recounts once at the end.
    /// Adds what it did to the stage's counts. Foreign keys may be trusted, as in any events
    /// import: the step resolves every reference it writes.
    public static func file(stagePK: Int64, rows: Int, in db: Database) throws -> FilingStep {
        guard
            let startedMs = try Int64.fetchOne(
                db, sql: "SELECT started_ms FROM import_stages WHERE stage_pk = ? AND state = 'published'", arguments: [stagePK])
        else { throw StoreError.importStage(stagePK: stagePK, problem: "it is not published") }
        let identities = try IdentityResolver(db: db, nowMs: startedMs)
        let writer = try EventWriter(db: db, identities: identities, nowMs: startedMs)
        var step = FilingStep()
        var counts = ImportCounts()
        var lastPK: Int64?
        let select = try FastStatement(
            "SELECT staged_pk, \(stagedColumns), event_key FROM import_staged_events WHERE stage_pk = ? ORDER BY staged_pk LIMIT ?",
            in: db)
        var drafts: [(EventDraft, key: Int64)] = []
        drafts.reserveCapacity(min(rows, 100_000))
        try select.forEachRow(bind: { $0.bind(stagePK); $0.bind(rows) }) { row in
            lastPK = row.int64(0)
            drafts.append((try draft(from: row, stagePK: stagePK), row.int64(19)))
        }
        for (draft, key) in drafts {
            switch try writer.store(draft, key: key) {
            case .stored(let eventPK):
                counts.imported += 1
                counts.maxEventPK = eventPK
            case .duplicate: counts.duplicates += 1
            case .withheld: break  // store() never withholds: consent was applied when staging
            }
        }
        step.people = try writer.finish(refreshFavourites: false)
        step.filed = drafts.count
        step.rowsRemain = drafts.count == rows
        if let lastPK {
            try db.execute(sql: "DELETE FROM import_staged_events WHERE stage_pk = ? AND staged_pk <= ?", arguments: [stagePK, lastPK])
        }
        try db.execute(
            sql: """
                UPDATE import_stages SET imported = imported + ?, duplicates = duplicates + ?,
                    new_users = new_users + ?, new_items = new_items + ?, max_event_pk = coalesce(?, max_event_pk)
                WHERE stage_pk = ?
                """,
            arguments: [counts.imported, counts.duplicates, identities.newUsers, identities.newItems, counts.maxEventPK, stagePK])
        return step
    }

    /// The people whose events a stage filed, found by the stage's arrival time: for a stage
    /// resumed after an interruption, whose earlier steps' people are not known any more.
    public static func peopleFiled(stagePK: Int64, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT DISTINCT user_pk FROM events
                WHERE received_ms = (SELECT started_ms FROM import_stages WHERE stage_pk = ?) AND user_pk IS NOT NULL
                """, arguments: [stagePK])
    }

    /// Ends a published stage whose rows are all filed: deletes it and returns its counts.
    public static func finish(stagePK: Int64, in db: Database) throws -> Stage {
        guard let stage = try stages(in: db).first(where: { $0.stagePK == stagePK }), stage.isPublished, stage.rowsWaiting == 0 else {
            throw StoreError.importStage(stagePK: stagePK, problem: "it is not published with every row filed")
        }
        try db.execute(sql: "DELETE FROM import_stages WHERE stage_pk = ?", arguments: [stagePK])
        return stage
    }

    /// Deletes a person's staged events (erasure): staged rows name people by pseudonym, so the
    /// foreign keys that erasure follows do not reach them. Returns the rows deleted.
    public static func forget(pseudonym: String, in db: Database) throws -> Int {
        guard try db.tableExists("import_staged_events") else { return 0 }
        try db.execute(sql: "DELETE FROM import_staged_events WHERE user_pseudonym = ?", arguments: [pseudonym])
        return db.changesCount
    }

    /// The columns a staged event is written to and read from, in `EventDraft` order.
    static let stagedColumns =
        "source_event_id, type, user_pseudonym, item_id, session_id, ts_ms, value, price, device, country, region, local_hour, referrer, experiment, variant, request_id, latitude, longitude"

    static func bind(_ draft: EventDraft, key: Int64, stagePK: Int64, to row: inout FastStatement.Binder) {
        row.bind(stagePK)
        row.bind(key)
        row.bind(draft.sourceEventID)
        row.bind(draft.type.rawValue)
        row.bind(draft.userPseudonym)
        row.bind(draft.itemID)
        row.bind(draft.sessionID)
        row.bind(draft.timestampMs)
        row.bind(draft.value)
        row.bind(draft.price)
        row.bind(draft.device?.rawValue)
        row.bind(draft.country)
        row.bind(draft.region)
        row.bind(draft.localHour)
        row.bind(draft.referrer)
        row.bind(draft.experiment)
        row.bind(draft.variant)
        row.bind(draft.requestID)
        row.bind(draft.latitude)
        row.bind(draft.longitude)
    }

    /// Reads back what `bind` wrote (column 0 is `staged_pk`).
    private static func draft(from row: FastStatement.Row, stagePK: Int64) throws -> EventDraft {
        func double(_ column: Int32) -> Double? { row.isNull(column) ? nil : row.double(column) }
        guard let type = row.text(2).flatMap(EventType.init(rawValue:)) else {
            throw StoreError.importStage(stagePK: stagePK, problem: "staged event \(row.int64(0)) has an unknown type")
        }
        var device: Device?
        if let text = row.text(9) {
            guard let known = Device(rawValue: text) else {
                throw StoreError.importStage(stagePK: stagePK, problem: "staged event \(row.int64(0)) has an unknown device")
            }
            device = known
        }
        return EventDraft(
            sourceEventID: row.text(1), type: type, userPseudonym: row.text(3), itemID: row.text(4), sessionID: row.text(5),
            timestampMs: row.int64(6), value: double(7), price: double(8), device: device, country: row.text(10), region: row.text(11),
            localHour: row.isNull(12) ? nil : Int(row.int64(12)), referrer: row.text(13), experiment: row.text(14), variant: row.text(15),
            requestID: row.text(16), latitude: double(17), longitude: double(18))
    }
}
