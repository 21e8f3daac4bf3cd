import Foundation
import KindredStore

extension Engine {
    /// Recomputes the audit log's hash chain: where it breaks, if it does.
    public func verifyAuditLog() throws -> AuditChain.Report {
        try database.writer.read { db in try AuditChain.verify(in: db) }
    }

    /// The latest `limit` entries, newest first.
    public func auditEntries(limit: Int, action: String? = nil) throws -> [AuditEntryRow] {
        try database.writer.read { db in try AuditLogQueries.latest(limit: limit, action: action, in: db) }
    }
}
