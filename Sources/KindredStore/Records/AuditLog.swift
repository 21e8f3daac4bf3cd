import Crypto
import Foundation
import GRDB

/// Appends to `audit_log`, the append-only record of administrative acts. Details must never
/// name a person: callers pass counts, file names, versions, not user ids. Each row is
/// chained to the one before it by its hash (`AuditChain`).
public enum AuditLog {
    public static func append(action: String, actor: String, details: [String: any Sendable], in db: Database, nowMs: Int64) throws {
        let last = try Row.fetchOne(db, sql: "SELECT audit_pk, hash FROM audit_log ORDER BY audit_pk DESC LIMIT 1")
        var previous = ""
        if let last {
            if let hash: String = last["hash"] { previous = hash } else { previous = try AuditChain.sealUnsealedRows(in: db) }
        }
        let pk = (last?["audit_pk"] as Int64? ?? 0) + 1
        let text = JSONText.encode(details)
        try db.execute(
            sql: "INSERT INTO audit_log (audit_pk, at_ms, actor, action, details, hash) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                pk, nowMs, actor, action, text,
                AuditChain.hash(previous: previous, pk: pk, atMs: nowMs, actor: actor, action: action, details: text),
            ])
    }
}

/// The hash chain over `audit_log`. A row's hash is SHA-256 over the previous row's hash (empty
/// for the first row) and the row's key, time, actor, action and details, each written as its
/// UTF-8 length, a colon and its bytes, so that no two different rows hash the same text.
///
/// What it catches: a row edited, removed or inserted anywhere but at the very end, by anyone
/// who does not recompute every later hash. What it cannot: the last rows removed (compare the
/// head `kindred audit verify` prints with one kept elsewhere), or a chain recomputed whole
/// (SHA-256 has no key; anyone with the file and this description can redo it).
public enum AuditChain {
    public static func hash(previous: String, pk: Int64, atMs: Int64, actor: String, action: String, details: String) -> String {
        var text = ""
        for field in [previous, String(pk), String(atMs), actor, action, details] {
            text += "\(field.utf8.count):\(field)"
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Gives every row without a hash its hash, in order (rows written before the chain
    /// existed). Returns the last row's hash.
    static func sealUnsealedRows(in db: Database) throws -> String {
        var previous = ""
        let rows = try Row.fetchAll(db, sql: "SELECT audit_pk, at_ms, actor, action, details, hash FROM audit_log ORDER BY audit_pk")
        for row in rows {
            if let hash: String = row["hash"] {
                previous = hash
                continue
            }
            let pk: Int64 = row["audit_pk"]
            let hash = Self.hash(
                previous: previous, pk: pk, atMs: row["at_ms"], actor: row["actor"], action: row["action"], details: row["details"])
            try db.execute(sql: "UPDATE audit_log SET hash = ? WHERE audit_pk = ?", arguments: [hash, pk])
            previous = hash
        }
        return previous
    }

    /// What `verify` found.
    public struct Report: Sendable, Equatable, Codable {
        public var rows: Int
        /// Rows written before the chain and not sealed yet (only at the start of the log).
        public var unsealed: Int
        /// The last row's hash: kept elsewhere, it shows later whether rows were cut off the end.
        public var head: String?
        public var intact: Bool
        /// The first row where the chain breaks, and why.
        public var brokenAt: Int64?
        public var problem: String?
    }

    /// Recomputes the chain from the first row.
    public static func verify(in db: Database) throws -> Report {
        var report = Report(rows: 0, unsealed: 0, head: nil, intact: true)
        var previous = ""
        var sealedSeen = false
        var expectedPK: Int64 = 1
        let cursor = try Row.fetchCursor(db, sql: "SELECT audit_pk, at_ms, actor, action, details, hash FROM audit_log ORDER BY audit_pk")
        while let row = try cursor.next() {
            report.rows += 1
            let pk: Int64 = row["audit_pk"]
            defer { expectedPK = pk + 1 }
            guard let stored: String = row["hash"] else {
                if sealedSeen {
                    return broken(report, at: pk, "has no hash, after rows that have one: it was put in by hand")
                }
                report.unsealed += 1
                continue
            }
            let recomputed = hash(
                previous: previous, pk: pk, atMs: row["at_ms"], actor: row["actor"], action: row["action"], details: row["details"])
            if recomputed != stored {
                var problem = "its hash does not match its contents and the previous row's hash: this row was edited"
                if pk != expectedPK {
                    problem = "rows \(expectedPK) to \(pk - 1) are missing: they were removed"
                } else if sealedSeen || report.unsealed > 0 {
                    problem += ", or the row before it was edited, removed or put in"
                }
                return broken(report, at: pk, problem)
            }
            sealedSeen = true
            previous = stored
            report.head = stored
        }
        return report
    }

    private static func broken(_ report: Report, at pk: Int64, _ problem: String) -> Report {
        var report = report
        report.intact = false
        report.brokenAt = pk
        report.problem = "row \(pk) \(problem)"
        return report
    }
}

/// Encodes small dictionaries of plain values as JSON text for the JSON columns.
public enum JSONText {
    public static func encode(_ object: [String: any Sendable]) -> String {
        guard JSONSerialization.isValidJSONObject(object),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reading the audit log.
public enum AuditLogQueries {
    public static func latest(limit: Int, action: String?, in db: Database) throws -> [AuditEntryRow] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT audit_pk, strftime('%Y-%m-%dT%H:%M:%fZ', at_ms / 1000.0, 'unixepoch') AS at, actor, action, details, hash
                FROM audit_log WHERE ?1 IS NULL OR action = ?1 ORDER BY audit_pk DESC LIMIT ?2
                """,
            arguments: [action, limit]
        ).map { row in
            AuditEntryRow(
                auditPk: row["audit_pk"], at: row["at"], actor: row["actor"], action: row["action"], details: row["details"],
                hash: row["hash"])
        }
    }
}

/// One row of `audit_log`, its time as ISO-8601 UTC.
public struct AuditEntryRow: Sendable, Equatable, Codable {
    public var auditPk: Int64
    public var at: String
    public var actor: String
    public var action: String
    public var details: String
    public var hash: String?
}
