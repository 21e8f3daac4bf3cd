import Foundation
import GRDB

/// An imported bandit log's header row.
public struct BanditLogSummary: Sendable, Equatable, Codable {
    public var name: String
    public var format: String
    public var sourceFile: String
    public var importedAt: String
    public var rounds: Int
    public var slots: Int
    public var items: Int
    public var contextFields: [String]
    public var meanReward: Double
}

/// Bandit logs imported from elsewhere, for off-policy evaluation (tables bandit_logs and
/// bandit_log_rounds).
public enum BanditLogStore {
    /// Stores `file` under `name` within the caller's transaction. With `replace`, a log of the
    /// same name is removed first; without, a clash is refused. Returns whether one was replaced.
    @discardableResult
    public static func save(
        _ file: BanditLogFile, name: String, format: BanditLogFile.Format, sourceFile: String, replace: Bool,
        in db: Database, nowMs: Int64
    ) throws -> Bool {
        let existing = try Int64.fetchOne(db, sql: "SELECT log_pk FROM bandit_logs WHERE name = ?", arguments: [name])
        if existing != nil {
            guard replace else { throw BanditLogClash(name: name) }
            try db.execute(sql: "DELETE FROM bandit_logs WHERE log_pk = ?", arguments: [existing])
        }
        try db.execute(
            sql: """
                INSERT INTO bandit_logs (name, format, source_file, imported_ms, rounds, slots, context_fields, items)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                name, format.rawValue, sourceFile, nowMs, file.rows.count, file.slots,
                try jsonArray(file.contextFields), try jsonArray(file.itemIDs),
            ])
        let logPK = db.lastInsertedRowID
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO bandit_log_rounds (log_pk, round, ts_ms, item_id, position, reward, propensity, context, affinity)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (index, row) in file.rows.enumerated() {
            try insert.execute(arguments: [
                logPK, index, row.timestampMs, row.itemID, row.position, row.reward, row.propensity,
                try jsonArray(row.context), row.affinity.map { FloatBlob.encode($0) },
            ])
        }
        return existing != nil
    }

    /// The log named `name`, or nil.
    public static func load(name: String, in db: Database) throws -> BanditLogFile? {
        guard
            let header = try Row.fetchOne(
                db, sql: "SELECT log_pk, context_fields, items FROM bandit_logs WHERE name = ?", arguments: [name])
        else { return nil }
        let logPK: Int64 = header["log_pk"]
        let contextFields = try strings(header["context_fields"])
        let items = try strings(header["items"])
        var rows: [BanditLogFile.Row] = []
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT ts_ms, item_id, position, reward, propensity, context, affinity
                FROM bandit_log_rounds WHERE log_pk = ? ORDER BY round
                """,
            arguments: [logPK])
        while let row = try cursor.next() {
            let affinity: Data? = row["affinity"]
            rows.append(
                BanditLogFile.Row(
                    timestampMs: row["ts_ms"], itemID: row["item_id"], position: row["position"], reward: row["reward"],
                    propensity: row["propensity"], context: try strings(row["context"]),
                    affinity: affinity.map { FloatBlob.decodeFloats($0) }))
        }
        return BanditLogFile(contextFields: contextFields, itemIDs: items, rows: rows)
    }

    /// Every imported log, by name.
    public static func list(in db: Database) throws -> [BanditLogSummary] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT l.name, l.format, l.source_file, l.rounds, l.slots, l.context_fields, l.items,
                       strftime('%Y-%m-%dT%H:%M:%fZ', l.imported_ms / 1000.0, 'unixepoch') AS imported_at,
                       (SELECT avg(reward) FROM bandit_log_rounds AS r WHERE r.log_pk = l.log_pk) AS mean_reward
                FROM bandit_logs AS l ORDER BY l.name
                """
        ).map { row in
            BanditLogSummary(
                name: row["name"], format: row["format"], sourceFile: row["source_file"], importedAt: row["imported_at"],
                rounds: row["rounds"], slots: row["slots"], items: try strings(row["items"]).count,
                contextFields: try strings(row["context_fields"]), meanReward: row["mean_reward"] ?? 0)
        }
    }

    static func jsonArray(_ values: [String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: values, options: [.withoutEscapingSlashes]), as: UTF8.self)
    }

    static func strings(_ text: String) throws -> [String] {
        (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String]) ?? []
    }
}

/// An import under a name already taken, without `--replace`.
public struct BanditLogClash: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String

    public init(name: String) {
        self.name = name
    }

    public var description: String {
        "a bandit log named '\(name)' is already imported; pass --replace to replace it, or --name to keep both"
    }
}
