import Foundation
import KindredStore

/// The API keys and token secrets that every request checks, held for a second: reading them
/// cost each request one or two read transactions of its own, a tenth of the server's time
/// under a load of pages. A key created or revoked, or a secret rotated, through this engine
/// takes effect at once (they invalidate); through another process (`kindred keys revoke`
/// beside a running server) within `freshness`.
final class AccessCache: @unchecked Sendable {
    static let freshness: Int64 = 1_000

    private let lock = NSLock()
    /// Known keys by the hash of their secret, each with when it was read. Unknown keys are
    /// not held: a key created elsewhere works on its first request.
    private var keys: [String: (keyID: String, role: ApiRole, readMs: Int64)] = [:]
    private var secrets: (rows: [TokenSecretStore.Verifier], readMs: Int64)?

    /// The key id and role of the key with this hash, from the cache while fresh, else from `load`.
    func key(hash: String, nowMs: Int64, load: () throws -> (keyID: String, role: ApiRole)?) rethrows -> (keyID: String, role: ApiRole)? {
        if let held = lock.withLock({ keys[hash] }), Self.fresh(held.readMs, nowMs) { return (held.keyID, held.role) }
        let found = try load()
        lock.withLock {
            if let found {
                if keys.count >= 10_000 { keys.removeAll(keepingCapacity: true) }
                keys[hash] = (found.keyID, found.role, nowMs)
            } else {
                keys[hash] = nil
            }
        }
        return found
    }

    /// The secrets that verify tokens at `nowMs`, current first: the rows are held while fresh,
    /// and each one's grace period is checked against `nowMs` on every call.
    func secrets(nowMs: Int64, load: () throws -> [TokenSecretStore.Verifier]) rethrows -> [String] {
        let rows: [TokenSecretStore.Verifier]
        if let held = lock.withLock({ secrets }), Self.fresh(held.readMs, nowMs) {
            rows = held.rows
        } else {
            rows = try load()
            lock.withLock { secrets = (rows, nowMs) }
        }
        return rows.filter { $0.verifies(atMs: nowMs) }.map(\.secret)
    }

    /// Forgets everything: a key was created or revoked, or the secret rotated.
    func invalidate() {
        lock.withLock {
            keys.removeAll()
            secrets = nil
        }
    }

    private static func fresh(_ readMs: Int64, _ nowMs: Int64) -> Bool { nowMs >= readMs && nowMs - readMs < freshness }
}
