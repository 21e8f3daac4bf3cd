import GRDB

/// How many people a shop sees, for sizing experiments.
public enum ExperimentTraffic {
    public struct Window: Sendable, Equatable {
        /// Distinct people with events in the window.
        public var people: Int
        /// Of those, the ones whose latest experiments decision was a grant, and a withdrawal.
        public var granted: Int
        public var denied: Int
        public var endMs: Int64
        public var days: Int
    }

    /// The `days` days up to the latest event (not the clock: a shop that imported last year's
    /// log gets its traffic from then). Nil when there are no events with a person.
    public static func recent(days: Int, in db: Database) throws -> Window? {
        guard let end = try Int64.fetchOne(db, sql: "SELECT max(ts_ms) FROM events WHERE user_pk IS NOT NULL") else { return nil }
        let start = end - Int64(days) * 86_400_000
        let row = try Row.fetchOne(
            db,
            sql: """
                WITH active AS (
                    SELECT DISTINCT user_pk FROM events WHERE ts_ms > ? AND ts_ms <= ? AND user_pk IS NOT NULL
                ), latest AS (
                    SELECT c.user_pk, c.granted,
                           row_number() OVER (PARTITION BY c.user_pk ORDER BY c.decided_ms DESC, c.consent_pk DESC) AS rank
                    FROM consents AS c JOIN active USING (user_pk)
                    WHERE c.purpose = 'experiments'
                )
                SELECT (SELECT count(*) FROM active),
                       (SELECT count(*) FROM latest WHERE rank = 1 AND granted = 1),
                       (SELECT count(*) FROM latest WHERE rank = 1 AND granted = 0)
                """, arguments: [start, end])!
        return Window(people: row[0], granted: row[1], denied: row[2], endMs: end, days: days)
    }

    /// The time of the newest event, nil when there is none.
    public static func latestEventMs(in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT max(ts_ms) FROM events")
    }
}
