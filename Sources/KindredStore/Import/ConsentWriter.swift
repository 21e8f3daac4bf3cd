import GRDB

/// Appends consent decisions inside the caller's transaction; a decision already recorded
/// (same user, purpose, time and answer) is not recorded twice.
final class ConsentWriter {
    private let db: Database
    private let nowMs: Int64
    private let identities: IdentityResolver
    private let insert: Statement

    init(db: Database, identities: IdentityResolver, nowMs: Int64) throws {
        self.db = db
        self.nowMs = nowMs
        self.identities = identities
        insert = try db.makeStatement(
            sql: """
                INSERT INTO consents (user_pk, purpose, granted, decided_ms, source, policy_version, recorded_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_pk, purpose, decided_ms, granted) DO NOTHING
                """)
    }

    /// Returns false when the decision was already recorded.
    func write(_ draft: ConsentDraft) throws -> Bool {
        let userPK = try identities.userPK(pseudonym: draft.userPseudonym)
        try insert.execute(arguments: [
            userPK, draft.purpose, draft.granted, draft.decidedMs, draft.source, draft.policyVersion, nowMs,
        ])
        return db.changesCount > 0
    }
}
