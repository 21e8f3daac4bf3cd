import Foundation
import GRDB

/// The shop's business rules (`rules`, `rule_set_versions`).
public enum RuleStore {
    public struct Rule: Sendable, Equatable, Codable {
        public var id: Int64
        public var text: String
        public var version: Int64
        public var createdMs: Int64
    }

    /// The rules in force, oldest first.
    public static func inForce(in db: Database) throws -> [Rule] {
        try Row.fetchAll(db, sql: "SELECT rule_pk, text, version, created_ms FROM rules WHERE removed_in IS NULL ORDER BY rule_pk").map {
            Rule(id: $0[0], text: $0[1], version: $0[2], createdMs: $0[3])
        }
    }

    /// The current rule set version (0 before any rule).
    public static func version(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(version), 0) FROM rule_set_versions") ?? 0
    }

    /// Adds rules as one new version; returns the version and the new rules' ids.
    public static func add(_ texts: [String], actor: String, nowMs: Int64, in db: Database) throws -> (version: Int64, ids: [Int64]) {
        let version = try self.version(in: db) + 1
        var ids: [Int64] = []
        for text in texts {
            try db.execute(
                sql: "INSERT INTO rules (text, version, created_ms) VALUES (?, ?, ?)", arguments: [text, version, nowMs])
            ids.append(db.lastInsertedRowID)
        }
        try db.execute(
            sql: "INSERT INTO rule_set_versions (version, created_ms, actor, change) VALUES (?, ?, ?, ?)",
            arguments: [version, nowMs, actor, "add " + ids.map(String.init).joined(separator: ", ")])
        return (version, ids)
    }

    /// Takes a rule out of force as a new version; nil when no rule in force has the id.
    public static func remove(id: Int64, actor: String, nowMs: Int64, in db: Database) throws -> Int64? {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM rules WHERE rule_pk = ? AND removed_in IS NULL)", arguments: [id]) == true
        else { return nil }
        let version = try self.version(in: db) + 1
        try db.execute(sql: "UPDATE rules SET removed_in = ?, removed_ms = ? WHERE rule_pk = ?", arguments: [version, nowMs, id])
        try db.execute(
            sql: "INSERT INTO rule_set_versions (version, created_ms, actor, change) VALUES (?, ?, ?, ?)",
            arguments: [version, nowMs, actor, "remove \(id)"])
        return version
    }
}

extension SegmentStore {
    /// The keys and names (lower-cased) of the live segments a person is in: what a rule's
    /// `for segment = '...'` matches.
    public static func keysAndNames(of userPK: Int64, in db: Database) throws -> Set<String> {
        var result = Set<String>()
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT s.key, s.name FROM segment_members m JOIN segments s USING (segment_pk)
                WHERE m.user_pk = ? AND s.retired_ms IS NULL
                """, arguments: [userPK])
        {
            result.insert((row[0] as String).lowercased())
            result.insert((row[1] as String).lowercased())
        }
        return result
    }
}
