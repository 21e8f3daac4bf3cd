import Foundation
import GRDB

/// The stages of imports that run in short transactions beside a running server, in
/// `import_stages` and `import_staged_events`, `_items` and `_consents` (migration 0006 describes
/// the whole protocol: stage, publish, file, finish). Each function does one step inside the caller's
/// transaction; the caller (the Engine's import) decides how many rows a step takes, so that
/// no transaction holds the write lock for long.
public enum ImportStaging {
    /// One stage as the database holds it.
    public struct Stage: Sendable, Equatable {
        public var stagePK: Int64
        public var kind: ImportKind
        public var file: String
        public var format: String
        public var isPublished: Bool
        public var startedMs: Int64
        public var rejectsFile: String?
        /// What staging counted and filing did so far.
        public var counts: ImportCounts
        /// Rows staged and not yet filed.
        public var rowsWaiting: Int
        /// A catalog import moved an item to another category (favourites are due a recount).
        public var categoriesChanged: Bool
    }

    /// Opens a stage for a file; its rows follow with `StagedEventImport.append`.
    public static func begin(kind: ImportKind = .events, file: String, format: FileFormat, nowMs: Int64, in db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO import_stages (kind, file, format, state, started_ms) VALUES (?, ?, ?, 'staging', ?)",
            arguments: [kind.rawValue, file, format.rawValue, nowMs])
        return db.lastInsertedRowID
    }

    /// Every stage, oldest first: in progress, published and waiting to be filed, or left
    /// behind by an import that was interrupted.
    public static func stages(in db: Database) throws -> [Stage] {
        guard try db.tableExists("import_stages") else { return [] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT s.*, (SELECT count(*) FROM import_staged_events AS e WHERE e.stage_pk = s.stage_pk)
                    + (SELECT count(*) FROM import_staged_items AS i WHERE i.stage_pk = s.stage_pk)
                    + (SELECT count(*) FROM import_staged_consents AS c WHERE c.stage_pk = s.stage_pk) AS waiting
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
            counts.updatedItems = row["updated_items"]
            counts.maxEventPK = row["max_event_pk"]
            return Stage(
                stagePK: row["stage_pk"], kind: ImportKind(rawValue: row["kind"]) ?? .events, file: row["file"], format: row["format"], isPublished: row["state"] == "published",
                startedMs: row["started_ms"], rejectsFile: row["rejects_file"], counts: counts, rowsWaiting: row["waiting"],
                categoriesChanged: row["categories_changed"])
        }
    }

    /// Commits the import: from this transaction on, every staged row will be filed.
    /// `reading` holds what staging counted: rows read and rejected, events withheld or
    /// anonymized for want of consent, catalog rows taken.
    public static func publish(stagePK: Int64, reading: ImportCounts, rejectsFile: String?, nowMs: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE import_stages SET state = 'published', published_ms = ?, rows_read = ?, rejected = ?, withheld = ?,
                    anonymized = ?, imported = imported + ?, rejects_file = ?
                WHERE stage_pk = ? AND state = 'staging'
                """,
            arguments: [
                nowMs, reading.rowsRead, reading.rejected, reading.withheld, reading.anonymized, reading.imported, rejectsFile, stagePK,
            ])
        guard db.changesCount == 1 else { throw StoreError.importStage(stagePK: stagePK, problem: "it is not staging any more") }
    }

    /// Deletes up to `rows` rows of an unpublished stage, and the stage once it is empty.
    /// Returns whether rows remain.
    public static func discard(stagePK: Int64, rows: Int, in db: Database) throws -> Bool {
        for table in ["import_staged_events", "import_staged_items", "import_staged_consents"] {
            try db.execute(
                sql: """
                    DELETE FROM \(table) WHERE staged_pk IN (
                        SELECT staged_pk FROM \(table) WHERE stage_pk = ? ORDER BY staged_pk LIMIT ?)
                    """, arguments: [stagePK, rows])
            if db.changesCount == rows { return true }
        }
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
        let startedMs = try publishedStart(stagePK, kind: .events, in: db)
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
            drafts.append((try draft(from: row, stagePK: stagePK), row.int64(20)))
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

    /// Appends merged catalog items to a stage that is still staging.
    public static func appendItems(_ items: ArraySlice<ItemDraft>, to stagePK: Int64, in db: Database) throws {
        let insert = try FastStatement(
            """
            INSERT INTO import_staged_items (stage_pk, item_id, title, category, tags, price, in_stock, attributes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, in: db)
        for item in items {
            _ = try insert.run { row in
                row.bind(stagePK)
                row.bind(item.itemID)
                row.bind(item.title)
                row.bind(item.category)
                row.bind(item.tags)
                row.bind(item.price)
                row.bind(item.inStock.map { $0 ? 1 : 0 })
                row.bind(CatalogUpsert.attributesJSON(item))
            }
        }
    }

    /// Applies up to `rows` staged items of a published catalog stage to `items`, as a
    /// one-transaction import would, and adds what it did to the stage's counts. Returns
    /// whether rows remain.
    public static func applyItems(stagePK: Int64, rows: Int, in db: Database) throws -> (applied: Int, rowsRemain: Bool) {
        let startedMs = try publishedStart(stagePK, kind: .catalog, in: db)
        var lastPK: Int64?
        var items: [ItemDraft] = []
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT staged_pk, item_id, title, category, tags, price, in_stock, attributes FROM import_staged_items
                WHERE stage_pk = ? ORDER BY staged_pk LIMIT ?
                """, arguments: [stagePK, rows])
        {
            lastPK = row[0]
            var attributes: [String: String] = [:]
            if let text: String = row[7],
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
            {
                attributes = object
            }
            items.append(
                ItemDraft(
                    itemID: row[1], title: row[2], category: row[3], tags: row[4], price: row[5],
                    inStock: (row[6] as Int?).map { $0 != 0 }, attributes: attributes))
        }
        let outcome = try CatalogUpsert.apply(items, nowMs: startedMs, in: db)
        if let lastPK {
            try db.execute(sql: "DELETE FROM import_staged_items WHERE stage_pk = ? AND staged_pk <= ?", arguments: [stagePK, lastPK])
        }
        try db.execute(
            sql: """
                UPDATE import_stages SET new_items = new_items + ?, updated_items = updated_items + ?,
                    categories_changed = max(categories_changed, ?)
                WHERE stage_pk = ?
                """, arguments: [outcome.added, outcome.updated, outcome.categoriesChanged ? 1 : 0, stagePK])
        return (items.count, items.count == rows)
    }

    /// Appends parsed consent decisions to a stage that is still staging.
    public static func appendConsents(_ drafts: [ConsentDraft], to stagePK: Int64, in db: Database) throws {
        let insert = try FastStatement(
            """
            INSERT INTO import_staged_consents (stage_pk, user_pseudonym, purpose, granted, decided_ms, source, policy_version)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, in: db)
        for draft in drafts {
            _ = try insert.run { row in
                row.bind(stagePK)
                row.bind(draft.userPseudonym)
                row.bind(draft.purpose)
                row.bind(draft.granted ? 1 : 0)
                row.bind(draft.decidedMs)
                row.bind(draft.source)
                row.bind(draft.policyVersion)
            }
        }
    }

    /// Records up to `rows` staged decisions of a published consents stage, as a
    /// one-transaction import would, and adds what it did to the stage's counts. Returns
    /// whether rows remain.
    public static func applyConsents(stagePK: Int64, rows: Int, in db: Database) throws -> (applied: Int, rowsRemain: Bool) {
        let startedMs = try publishedStart(stagePK, kind: .consents, in: db)
        let rowsRead = try Row.fetchAll(
            db,
            sql: """
                SELECT staged_pk, user_pseudonym, purpose, granted, decided_ms, source, policy_version FROM import_staged_consents
                WHERE stage_pk = ? ORDER BY staged_pk LIMIT ?
                """, arguments: [stagePK, rows])
        let identities = try IdentityResolver(db: db, nowMs: startedMs)
        let writer = try ConsentWriter(db: db, identities: identities, nowMs: startedMs)
        var imported = 0
        var duplicates = 0
        for row in rowsRead {
            let draft = ConsentDraft(
                userPseudonym: row[1], purpose: row[2], granted: row[3], decidedMs: row[4], source: row[5], policyVersion: row[6])
            if try writer.write(draft) { imported += 1 } else { duplicates += 1 }
        }
        if let last = rowsRead.last {
            try db.execute(
                sql: "DELETE FROM import_staged_consents WHERE stage_pk = ? AND staged_pk <= ?", arguments: [stagePK, last[0] as Int64])
        }
        try db.execute(
            sql: """
                UPDATE import_stages SET imported = imported + ?, duplicates = duplicates + ?, new_users = new_users + ?
                WHERE stage_pk = ?
                """, arguments: [imported, duplicates, identities.newUsers, stagePK])
        return (rowsRead.count, rowsRead.count == rows)
    }

    /// What a catalog import does in its last transaction (serving reloads the catalog).
    public static func markCatalogChanged(nowMs: Int64, in db: Database) throws {
        try CatalogUpsert.markChanged(nowMs: nowMs, in: db)
    }

    /// When a published stage of `kind` began (the time its rows are stored as received or
    /// recorded at); throws if the stage is not one.
    private static func publishedStart(_ stagePK: Int64, kind: ImportKind, in db: Database) throws -> Int64 {
        guard
            let startedMs = try Int64.fetchOne(
                db, sql: "SELECT started_ms FROM import_stages WHERE stage_pk = ? AND state = 'published' AND kind = ?",
                arguments: [stagePK, kind.rawValue])
        else { throw StoreError.importStage(stagePK: stagePK, problem: "it is not a published \(kind.rawValue) import") }
        return startedMs
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

    /// Deletes a person's staged events and consent decisions (erasure): staged rows name
    /// people by pseudonym, so the foreign keys that erasure follows do not reach them.
    /// Returns the rows deleted.
    public static func forget(pseudonym: String, in db: Database) throws -> Int {
        guard try db.tableExists("import_staged_events") else { return 0 }
        var deleted = 0
        for table in ["import_staged_events", "import_staged_consents"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE user_pseudonym = ?", arguments: [pseudonym])
            deleted += db.changesCount
        }
        return deleted
    }

    /// The columns a staged event is written to and read from, in `EventDraft` order.
    static let stagedColumns =
        "source_event_id, type, user_pseudonym, item_id, session_id, ts_ms, value, price, device, country, region, local_hour, referrer, experiment, variant, request_id, latitude, longitude, time_zone"

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
        row.bind(draft.timeZone)
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
            requestID: row.text(16), latitude: double(17), longitude: double(18), timeZone: row.text(19))
    }
}
