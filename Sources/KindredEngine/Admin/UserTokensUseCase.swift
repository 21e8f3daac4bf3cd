import Foundation
import KindredStore

/// A new token secret as `kindred tokens secret` shows it.
public struct TokenSecretRotation: Sendable, Codable {
    public var secretID: String
    /// The HMAC key for the shop's backend: shown now; the server keeps it to verify tokens.
    public var secret: String
    /// The secret it replaced, which verifies tokens until `previousValidUntilMs`.
    public var previousSecretID: String?
    public var previousValidUntilMs: Int64?
}

/// A token made by `kindred tokens mint`.
public struct MintedUserToken: Sendable, Codable {
    public var token: String
    public var expiresAtSeconds: Int64
}

extension Engine {
    /// Creates the token secret, or rotates it: the one before keeps verifying tokens for
    /// `graceSeconds`, so that pages holding tokens signed with it keep working while the
    /// shop's backend switches. Audited by secret id, never the secret.
    public func rotateTokenSecret(graceSeconds: Int64) throws -> TokenSecretRotation {
        guard graceSeconds >= 0 else {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "the grace period cannot be negative", field: "grace")
        }
        let generated = UserToken.generateSecret()
        defer { access.invalidate() }
        return try database.writer.write { db in
            let now = clock.now()
            let validUntil = now + graceSeconds * 1000
            let previous = try TokenSecretStore.rotate(
                to: generated.secretID, secret: generated.secret, previousValidUntilMs: validUntil, in: db, nowMs: now)
            try AuditLog.append(
                action: previous == nil ? "token_secret_create" : "token_secret_rotate", actor: actor,
                details: ["secret_id": generated.secretID, "previous": previous ?? "", "grace_seconds": graceSeconds], in: db, nowMs: now)
            return TokenSecretRotation(
                secretID: generated.secretID, secret: generated.secret, previousSecretID: previous,
                previousValidUntilMs: previous == nil ? nil : validUntil)
        }
    }

    public func tokenSecrets() throws -> [TokenSecretStore.Secret] {
        try database.writer.read { db in try TokenSecretStore.all(in: db) }
    }

    /// A token for `userID`, signed with the current secret: for tests and for trying the API
    /// by hand. A shop's backend makes its own (README "User tokens") and never calls this.
    public func mintUserToken(userID: String, lifetimeSeconds: Int64) throws -> MintedUserToken {
        if let problem = IdentifierRule.problem(userID) {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "a user id: \(problem)", field: "user_id")
        }
        guard lifetimeSeconds > 0 else {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "a token's lifetime must be positive", field: "ttl")
        }
        guard let secret = try database.writer.read({ db in try TokenSecretStore.current(in: db) }) else {
            throw RequestProblem(.conflict, code: "no_token_secret", message: "no token secret yet; create one with `kindred tokens secret`")
        }
        let expires = clock.now() / 1000 + lifetimeSeconds
        return MintedUserToken(token: UserToken.sign(userID: userID, expiresAtSeconds: expires, secret: secret), expiresAtSeconds: expires)
    }

    /// The id a presented user token speaks for; 401 with a reason code otherwise:
    /// `token_malformed`, `token_expired`, `token_invalid` (no secret this server holds signed it).
    public func verifyUserToken(_ token: String) throws -> String {
        let now = clock.now()
        let secrets = try access.secrets(nowMs: now) {
            try database.writer.read { db in try TokenSecretStore.verifiers(in: db, nowMs: now) }
        }
        do {
            return try UserToken.verify(token, secrets: secrets, nowSeconds: now / 1000)
        } catch .malformed(let why) {
            throw RequestProblem(.unauthorized, code: "token_malformed", message: "the user token is malformed: \(why)", field: "token")
        } catch .expired(let at) {
            throw RequestProblem(
                .unauthorized, code: "token_expired",
                message: "the user token expired at \(TimestampFormatter.iso8601(milliseconds: at * 1000)); the shop's backend signs a new one",
                field: "token")
        } catch .forged {
            throw RequestProblem(
                .unauthorized, code: "token_invalid",
                message: "the user token's signature matches no token secret this server holds (forged, or signed with a retired secret)",
                field: "token")
        }
    }
}
