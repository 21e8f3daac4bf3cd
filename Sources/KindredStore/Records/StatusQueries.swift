import GRDB

/// What `kindred status` reports: a snapshot of the database read in one transaction.
public struct DatabaseStatus: Sendable, Codable, Equatable {
    public struct LastImport: Sendable, Codable, Equatable {
        public var kind: String
        public var file: String?
        public var finishedMs: Int64
        public var imported: Int
    }

    public struct ActiveModel: Sendable, Codable, Equatable {
        public var version: Int64
        public var algorithm: String
        public var createdMs: Int64
    }

    public var schemaVersion: Int
    public var databaseBytes: Int64
    public var tableRows: [String: Int]
    public var eventsByType: [String: Int]
    public var firstEventMs: Int64?
    public var lastEventMs: Int64?
    public var anonymousEvents: Int
    public var lastImport: LastImport?
    public var activeModel: ActiveModel?
}

public enum StatusQueries {
    /// The tables whose row counts `status` shows, in the order it shows them.
    public static let tables = [
        "items", "users", "events", "event_inbox", "import_staged_events", "consents", "segments", "segment_members", "model_versions",
        "experiments", "assignments", "audit_log", "jobs", "settings",
    ]

    public static func status(in db: Database) throws -> DatabaseStatus {
        var rows: [String: Int] = [:]
        for table in tables {
            rows[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
        }
        var byType: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT type, count(*) AS n FROM events GROUP BY type") {
            byType[row["type"]] = row["n"]
        }
        let range = try Row.fetchOne(db, sql: "SELECT min(ts_ms) AS first, max(ts_ms) AS last FROM events")
        let pageCount = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        let lastImport = try Row.fetchOne(
            db,
            sql: """
                SELECT kind, json_extract(details, '$.file') AS file, finished_ms,
                       coalesce(json_extract(details, '$.imported'), 0) AS imported
                FROM jobs WHERE kind LIKE 'import_%' AND status = 'succeeded'
                ORDER BY finished_ms DESC, job_pk DESC LIMIT 1
                """
        ).map { DatabaseStatus.LastImport(kind: $0["kind"], file: $0["file"], finishedMs: $0["finished_ms"], imported: $0["imported"]) }
        let active = try Row.fetchOne(db, sql: "SELECT version, algorithm, created_ms FROM model_versions WHERE status = 'active'")
            .map { DatabaseStatus.ActiveModel(version: $0["version"], algorithm: $0["algorithm"], createdMs: $0["created_ms"]) }
        return DatabaseStatus(
            schemaVersion: try Migrator.currentVersion(db),
            databaseBytes: pageCount * pageSize,
            tableRows: rows,
            eventsByType: byType,
            firstEventMs: range?["first"],
            lastEventMs: range?["last"],
            anonymousEvents: try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE user_pk IS NULL") ?? 0,
            lastImport: lastImport,
            activeModel: active)
    }
}
