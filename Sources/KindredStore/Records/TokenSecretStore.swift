import GRDB

/// The secrets user tokens are signed with (`token_secrets`).
public enum TokenSecretStore {
    public struct Secret: Sendable, Equatable, Codable {
        public var secretID: String
        public var createdMs: Int64
        public var retiredMs: Int64?
        public var validUntilMs: Int64?
    }

    /// A secret that verifies tokens now or until its grace period ends.
    public struct Verifier: Sendable, Equatable {
        public var secret: String
        /// Nil for the current secret; for a retired one, when its grace period ends.
        public var validUntilMs: Int64?

        public func verifies(atMs nowMs: Int64) -> Bool { validUntilMs.map { $0 > nowMs } ?? true }
    }

    /// The secrets that verify tokens at `nowMs` (the current one first, then any still in its
    /// grace period), each with when it stops verifying: for a server that holds them a moment
    /// and checks the grace periods on every request.
    public static func verifiers(in db: Database, nowMs: Int64) throws -> [Verifier] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT secret, CASE WHEN retired_ms IS NULL THEN NULL ELSE valid_until_ms END
                    FROM token_secrets WHERE retired_ms IS NULL OR valid_until_ms > ? ORDER BY retired_ms IS NOT NULL, created_ms DESC
                    """),
            arguments: [nowMs]
        ).map { Verifier(secret: $0[0], validUntilMs: $0[1]) }
    }

    /// The current secret, which new tokens are signed with.
    public static func current(in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT secret FROM token_secrets WHERE retired_ms IS NULL")
    }

    /// Makes `secret` current. The one before stays valid until `previousValidUntilMs`, and
    /// so at most does any older one still in its grace period: a rotation with no grace (a
    /// secret that leaked) ends every earlier secret at once.
    public static func rotate(to secretID: String, secret: String, previousValidUntilMs: Int64, in db: Database, nowMs: Int64) throws
        -> String?
    {
        let previous = try String.fetchOne(db, sql: "SELECT secret_id FROM token_secrets WHERE retired_ms IS NULL")
        try db.execute(
            sql: """
                UPDATE token_secrets SET retired_ms = coalesce(retired_ms, ?), valid_until_ms = min(coalesce(valid_until_ms, ?), ?)
                WHERE retired_ms IS NULL OR valid_until_ms > ?
                """,
            arguments: [nowMs, previousValidUntilMs, previousValidUntilMs, nowMs])
        try db.execute(
            sql: "INSERT INTO token_secrets (secret_id, secret, created_ms) VALUES (?, ?, ?)", arguments: [secretID, secret, nowMs])
        return previous
    }

    public static func all(in db: Database) throws -> [Secret] {
        try Row.fetchAll(db, sql: "SELECT secret_id, created_ms, retired_ms, valid_until_ms FROM token_secrets ORDER BY created_ms, secret_id")
            .map { Secret(secretID: $0[0], createdMs: $0[1], retiredMs: $0[2], validUntilMs: $0[3]) }
    }
}
