import Foundation
import GRDB

/// The latest bias report of each model version (table model_bias_reports), as JSON text.
public enum ModelBiasReports {
    public static func save(version: Int64, report: String, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO model_bias_reports (version, created_ms, report) VALUES (?, ?, ?)
                ON CONFLICT (version) DO UPDATE SET created_ms = excluded.created_ms, report = excluded.report
                """,
            arguments: [version, nowMs, report])
    }

    public static func report(version: Int64, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT report FROM model_bias_reports WHERE version = ?", arguments: [version])
    }
}
