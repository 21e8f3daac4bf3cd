/// The privacy page's queries: counts only, never a person.
public enum PrivacyQueries {
    /// Consent decisions per day and purpose in the period, and the share that granted.
    public static func decisionsPerDay(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            SELECT date(decided_ms / 86400000 * 86400, 'unixepoch') AS day, purpose, count(*) AS decisions, sum(granted) AS granted,
                   1.0 * sum(granted) / count(*) AS grant_rate
            FROM consents
            WHERE decided_ms >= \(days.lowerBound * 86_400_000) AND decided_ms < \((days.upperBound + 1) * 86_400_000)
            GROUP BY decided_ms / 86400000, purpose
            ORDER BY day, purpose
            """)
    }

    /// Where consent stands now, per purpose: each person's latest decision.
    public static let currentConsent = ShownQuery(
        """
        SELECT purpose, count(*) AS people, sum(granted) AS granted, 1.0 * sum(granted) / count(*) AS granted_share
        FROM current_consents
        GROUP BY purpose
        ORDER BY purpose
        """)

    /// Erasures, exports and retention purges per day, from the audit log.
    public static func requestsPerDay(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            SELECT date(at_ms / 86400000 * 86400, 'unixepoch') AS day,
                   sum(action = 'forget') AS erasures, sum(action = 'export') AS exports, sum(action = 'purge') AS purges
            FROM audit_log
            WHERE action IN ('forget', 'export', 'purge')
              AND at_ms >= \(days.lowerBound * 86_400_000) AND at_ms < \((days.upperBound + 1) * 86_400_000)
            GROUP BY at_ms / 86400000
            ORDER BY day
            """)
    }

    /// What retention keeps: the setting (its default written in when unset), the oldest event
    /// and when expired data was last purged.
    public static func retention(nowMs: Int64, defaultEventsDays: Int) -> ShownQuery {
        ShownQuery(
            """
            SELECT coalesce((SELECT value FROM settings WHERE key = 'retention.events_days'), '\(defaultEventsDays)') AS events_kept_days,
                   (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', ts_ms / 1000, 'unixepoch') FROM events ORDER BY ts_ms LIMIT 1) AS oldest_event_at,
                   (\(nowMs) - (SELECT ts_ms FROM events ORDER BY ts_ms LIMIT 1)) / 86400000.0 AS oldest_event_age_days,
                   (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at_ms / 1000, 'unixepoch') FROM audit_log
                     WHERE action = 'purge' ORDER BY audit_pk DESC LIMIT 1) AS last_purge_at,
                   (SELECT count(*) FROM users) AS people_stored
            """)
    }

    /// The newest audit entries.
    public static let recentAudit = ShownQuery(
        """
        SELECT audit_pk, strftime('%Y-%m-%dT%H:%M:%SZ', at_ms / 1000, 'unixepoch') AS at, actor, action, details
        FROM audit_log
        ORDER BY audit_pk DESC
        LIMIT 25
        """)
}
