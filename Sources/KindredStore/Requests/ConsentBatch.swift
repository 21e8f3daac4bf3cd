import GRDB

/// Consent decisions that arrive one request at a time.
public enum ConsentBatch {
    /// Appends the decisions inside the caller's transaction; returns how many were new.
    public static func write(_ drafts: [ConsentDraft], in db: Database, nowMs: Int64) throws -> Int {
        let writer = try ConsentWriter(db: db, identities: IdentityResolver(db: db, nowMs: nowMs), nowMs: nowMs)
        var written = 0
        for draft in drafts where try writer.write(draft) { written += 1 }
        return written
    }
}
