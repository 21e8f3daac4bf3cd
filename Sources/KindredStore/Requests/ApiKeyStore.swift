import GRDB

/// API keys as the database holds them: a public id and the SHA-256 of the secret key.
public enum ApiKeyStore {
    public struct Key: Sendable, Equatable, Codable {
        public var keyID: String
        public var role: String
        public var label: String?
        public var createdMs: Int64
        public var revokedMs: Int64?
    }

    public static func insert(keyID: String, role: String, secretHash: String, label: String?, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: "INSERT INTO api_keys (key_id, role, secret_hash, label, created_ms) VALUES (?, ?, ?, ?, ?)",
            arguments: [keyID, role, secretHash, label, nowMs])
    }

    /// The role of the unrevoked key whose secret hashes to `secretHash`, if any.
    public static func role(secretHash: String, in db: Database) throws -> (keyID: String, role: String)? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT key_id, role FROM api_keys WHERE secret_hash = ? AND revoked_ms IS NULL"),
            arguments: [secretHash]
        ).map { ($0[0], $0[1]) }
    }

    public static func all(in db: Database) throws -> [Key] {
        try Row.fetchAll(db, sql: "SELECT key_id, role, label, created_ms, revoked_ms FROM api_keys ORDER BY created_ms, key_id").map {
            Key(keyID: $0[0], role: $0[1], label: $0[2], createdMs: $0[3], revokedMs: $0[4])
        }
    }

    /// Returns false when no unrevoked key has that id.
    public static func revoke(keyID: String, in db: Database, nowMs: Int64) throws -> Bool {
        try db.execute(sql: "UPDATE api_keys SET revoked_ms = ? WHERE key_id = ? AND revoked_ms IS NULL", arguments: [nowMs, keyID])
        return db.changesCount > 0
    }
}
