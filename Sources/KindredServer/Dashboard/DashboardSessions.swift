import Foundation
import Synchronization

/// Signed-in dashboard sessions, kept in the server's memory: an admin key is exchanged for a
/// random session id (the cookie) that expires, and each session has its own CSRF token for the
/// buttons that change state. A restart signs everyone out, which is the safe failure.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var keyID: String
        var csrf: String
        var expiresMs: Int64
    }

    /// How long a sign-in lasts, whatever is done with it.
    let lifetimeSeconds: Int
    /// Sessions kept at most: the oldest go first, so that repeated sign-ins cannot grow memory.
    let capacity: Int
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetimeSeconds: Int = 8 * 3600, capacity: Int = 1000) {
        self.lifetimeSeconds = lifetimeSeconds
        self.capacity = capacity
    }

    static let cookieName = "kindred_dashboard"

    /// A new session for a key that was just checked; returns its id.
    func start(keyID: String, nowMs: Int64) -> (id: String, session: Session) {
        let id = Self.randomToken()
        let session = Session(keyID: keyID, csrf: Self.randomToken(), expiresMs: nowMs + Int64(lifetimeSeconds) * 1000)
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expiresMs > nowMs }
            if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.expiresMs < $1.value.expiresMs })?.key {
                sessions.removeValue(forKey: oldest)
            }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The live session of that id; expired ones are forgotten on the way.
    func find(_ id: String, nowMs: Int64) -> Session? {
        sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expiresMs > nowMs else {
                sessions.removeValue(forKey: id)
                return nil
            }
            return session
        }
    }

    func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// 32 random bytes as hex, from the system's secure generator.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
