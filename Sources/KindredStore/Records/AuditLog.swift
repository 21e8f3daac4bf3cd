import Foundation
import GRDB

/// Appends to `audit_log`, the append-only record of administrative acts. Details must never
/// name a person: callers pass counts, file names, versions, not user ids.
public enum AuditLog {
    public static func append(action: String, actor: String, details: [String: any Sendable], in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at_ms, actor, action, details) VALUES (?, ?, ?, ?)",
            arguments: [nowMs, actor, action, JSONText.encode(details)])
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
