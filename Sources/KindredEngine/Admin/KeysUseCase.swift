import KindredStore

/// Who may call the API: the storefront's public key, a shop backend's ingest key, or an
/// administrator's.
public enum ApiRole: String, Sendable, CaseIterable, Codable {
    /// Events, recommendations, similar items, consents: what a storefront page does. It sits
    /// in the page where anyone can read it, so it acts for a named person only with that
    /// person's user token.
    case `public`
    /// A shop's backend posting events and consents for its customers: writes for anyone,
    /// reads nothing, so that the backend needs neither tokens nor an admin key.
    case ingest
    /// Everything, for anyone: catalog upkeep, models, training, people's data.
    case admin

    /// The roles of routes that write what a storefront or a backend reports (events, consents).
    public static let writers: Set<ApiRole> = [.public, .ingest, .admin]
    /// The roles of routes that read rankings and assignments.
    public static let readers: Set<ApiRole> = [.public, .admin]

    /// Whether a key of this role acts for any person without a token.
    public var actsForAnyone: Bool { self != .public }

    /// The prefix of this role's keys: kd_pub_, kd_ing_, kd_adm_.
    var keyPrefix: String {
        switch self {
        case .public: return "pub"
        case .ingest: return "ing"
        case .admin: return "adm"
        }
    }
}

/// A key as `kindred keys create` shows it once.
public struct CreatedApiKey: Sendable, Codable {
    public var keyID: String
    public var role: ApiRole
    public var label: String?
    /// The whole key: shown once, stored only as a hash.
    public var key: String
}

extension Engine {
    public func createKey(role: ApiRole, label: String?) throws -> CreatedApiKey {
        let generated = ApiKeySecret.generate(prefix: role.keyPrefix)
        try database.writer.write { db in
            let now = clock.now()
            try ApiKeyStore.insert(
                keyID: generated.keyID, role: role.rawValue, secretHash: generated.hash, label: label, in: db, nowMs: now)
            try AuditLog.append(
                action: "key_create", actor: actor, details: ["key_id": generated.keyID, "role": role.rawValue, "label": label ?? ""],
                in: db, nowMs: now)
        }
        access.invalidate()
        return CreatedApiKey(keyID: generated.keyID, role: role, label: label, key: generated.key)
    }

    public func keys() throws -> [ApiKeyStore.Key] {
        try database.writer.read { db in try ApiKeyStore.all(in: db) }
    }

    public func revokeKey(_ keyID: String) throws {
        try database.writer.write { db in
            let now = clock.now()
            guard try ApiKeyStore.revoke(keyID: keyID, in: db, nowMs: now) else {
                throw RequestProblem(.notFound, code: "unknown_key", message: "no active key '\(keyID)'; see `kindred keys list`")
            }
            try AuditLog.append(action: "key_revoke", actor: actor, details: ["key_id": keyID], in: db, nowMs: now)
        }
        access.invalidate()
    }

    /// Whether a key id names a key of that role that is not revoked: a dashboard session asks on
    /// every request, so that revoking a key ends its sessions at once.
    public func isActiveKey(_ keyID: String, role: ApiRole) throws -> Bool {
        try keys().contains { $0.keyID == keyID && $0.role == role.rawValue && $0.revokedMs == nil }
    }

    /// The key id and role of a presented key, or nil when it is unknown or revoked. Known keys
    /// are held a second (`AccessCache`): a key revoked by another process stops working
    /// within that second, one revoked through this engine at once.
    public func authenticate(key: String) throws -> (keyID: String, role: ApiRole)? {
        let hash = ApiKeySecret.hash(key)
        return try access.key(hash: hash, nowMs: clock.now()) {
            try database.writer.read { db in
                try ApiKeyStore.role(secretHash: hash, in: db).flatMap { found in ApiRole(rawValue: found.role).map { (found.keyID, $0) } }
            }
        }
    }
}
