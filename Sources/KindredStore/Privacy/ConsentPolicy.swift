import GRDB

/// Whether processing for a purpose needs the person's opt-in, or runs until they opt out.
public enum ConsentMode: String, Sendable, CaseIterable, Codable {
    case optIn = "opt-in"
    case optOut = "opt-out"
}

/// What becomes of an event whose person may not be processed for analytics.
public enum EventsWithoutAnalytics: String, Sendable, CaseIterable, Codable {
    /// Stored without the person: it still counts for popularity, never for them.
    case anonymize
    /// Not stored at all.
    case drop
}

/// The shop's consent rules, from `settings`: `consent.<purpose>` is `opt-in` or `opt-out`
/// (default opt-out), `consent.events_without_analytics` is `anonymize` (default) or `drop`.
public struct ConsentPolicy: Sendable, Equatable {
    public var modes: [String: ConsentMode]
    public var withoutAnalytics: EventsWithoutAnalytics

    public static let defaultMode = ConsentMode.optOut

    public static func read(in db: Database) throws -> ConsentPolicy {
        var modes: [String: ConsentMode] = [:]
        var withoutAnalytics = EventsWithoutAnalytics.anonymize
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT key, value FROM settings WHERE key LIKE 'consent.%'")) {
            let key: String = row[0]
            let value: String = row[1]
            if key == "consent.events_without_analytics" {
                withoutAnalytics = EventsWithoutAnalytics(rawValue: value) ?? .anonymize
            } else if let mode = ConsentMode(rawValue: value) {
                modes[String(key.dropFirst("consent.".count))] = mode
            }
        }
        return ConsentPolicy(modes: modes, withoutAnalytics: withoutAnalytics)
    }

    public func mode(_ purpose: String) -> ConsentMode { modes[purpose] ?? Self.defaultMode }

    /// Whether a person whose latest decision for `purpose` is `decision` (nil: none) may be
    /// processed for it.
    public func permits(_ purpose: String, decision: Bool?) -> Bool {
        switch mode(purpose) {
        case .optIn: return decision == true
        case .optOut: return decision != false
        }
    }
}

/// People's latest consent decisions.
public enum ConsentLookup {
    /// The latest decision of one person for a purpose; nil when they never decided.
    public static func decision(userPK: Int64, purpose: String, in db: Database) throws -> Bool? {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT granted FROM consents WHERE user_pk = ? AND purpose = ?
                    ORDER BY decided_ms DESC, consent_pk DESC LIMIT 1
                    """), arguments: [userPK, purpose])
    }

    /// One person's latest decision per purpose, in one query (the serving path asks for two).
    public static func decisions(userPK: Int64, in db: Database) throws -> [String: Bool] {
        var latest: [String: Bool] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT purpose, granted FROM consents WHERE user_pk = ? ORDER BY decided_ms, consent_pk"),
            arguments: [userPK])
        while let row = try rows.next() { latest[row[0]] = row[1] }
        return latest
    }

    /// The same, by pseudonym (nil also when there is no such profile).
    public static func decision(pseudonym: String, purpose: String, in db: Database) throws -> Bool? {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT c.granted FROM consents AS c JOIN users AS u USING (user_pk)
                    WHERE u.pseudonym = ? AND c.purpose = ?
                    ORDER BY c.decided_ms DESC, c.consent_pk DESC LIMIT 1
                    """), arguments: [pseudonym, purpose])
    }

    /// Every person's latest decision for a purpose.
    public static func decisions(purpose: String, in db: Database) throws -> [Int64: Bool] {
        var latest: [Int64: Bool] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT user_pk, granted FROM consents WHERE purpose = ? ORDER BY decided_ms, consent_pk", arguments: [purpose])
        while let row = try rows.next() { latest[row[0]] = row[1] }
        return latest
    }

    /// Whether anyone ever withdrew consent for the purpose (when nobody did, an opt-out
    /// purpose needs no lookups at all).
    public static func anyWithdrawal(purpose: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM consents WHERE purpose = ? AND granted = 0)", arguments: [purpose])
            ?? false
    }
}

/// Who may be processed for a purpose, decided once for a whole pass over the data
/// (training, loading a model for serving).
public struct ConsentFilter: Sendable {
    public let purpose: String
    public let policy: ConsentPolicy
    public let decisions: [Int64: Bool]

    public static func read(purpose: String, in db: Database) throws -> ConsentFilter {
        ConsentFilter(
            purpose: purpose, policy: try ConsentPolicy.read(in: db), decisions: try ConsentLookup.decisions(purpose: purpose, in: db))
    }

    public func allows(_ userPK: Int64) -> Bool { policy.permits(purpose, decision: decisions[userPK]) }
}
