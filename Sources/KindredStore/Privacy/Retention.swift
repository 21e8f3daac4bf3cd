import GRDB

/// Retention: events older than the period become anonymous daily aggregates and are deleted,
/// with the impressions of the same age.
public enum Retention {
    public static let defaultEventsDays = 395

    /// `retention.events_days` from settings; 0 keeps everything.
    public static func eventsDays(in db: Database) throws -> Int {
        try SettingsStore.value("retention.events_days", in: db).flatMap(Int.init) ?? defaultEventsDays
    }

    public struct Purged: Sendable, Equatable, Codable {
        public var events = 0
        public var impressions = 0
        /// Aggregate rows written or added to.
        public var aggregateRows = 0
        public var cutoffMs: Int64 = 0

        public init(cutoffMs: Int64 = 0) {
            self.cutoffMs = cutoffMs
        }
    }

    /// Folds events before `cutoffMs` into `event_daily_aggregates` and deletes them and the
    /// impressions before it. Call inside a transaction.
    public static func purge(before cutoffMs: Int64, in db: Database) throws -> Purged {
        var purged = Purged(cutoffMs: cutoffMs)
        try db.execute(
            sql: """
                INSERT INTO event_daily_aggregates (day, type, item_id, country, device, events, quantity, revenue)
                SELECT strftime('%Y-%m-%d', e.ts_ms / 1000, 'unixepoch'), e.type, coalesce(i.item_id, ''),
                       coalesce(e.country, ''), coalesce(e.device, ''), count(*), coalesce(sum(e.value), 0),
                       coalesce(sum(CASE e.type WHEN 'purchase' THEN e.price * coalesce(e.value, 1)
                                                WHEN 'return' THEN -e.price * coalesce(e.value, 1) ELSE 0 END), 0)
                FROM events AS e LEFT JOIN items AS i USING (item_pk)
                WHERE e.ts_ms < ?
                GROUP BY 1, 2, 3, 4, 5
                ON CONFLICT (day, type, item_id, country, device) DO UPDATE SET
                    events = events + excluded.events,
                    quantity = quantity + excluded.quantity,
                    revenue = revenue + excluded.revenue
                """, arguments: [cutoffMs])
        purged.aggregateRows = db.changesCount
        try db.execute(sql: "DELETE FROM events WHERE ts_ms < ?", arguments: [cutoffMs])
        purged.events = db.changesCount
        // The feature store's sums of the days that are gone go with them.
        try FeatureStore.forget(before: cutoffMs / 86_400_000, in: db)
        // Impressions are numbered in the order they were logged: find the first one to keep by
        // walking from the oldest, instead of keeping an index on time for a once-a-day delete.
        try db.execute(
            sql: """
                DELETE FROM impressions WHERE impression_pk < coalesce(
                    (SELECT impression_pk FROM impressions WHERE ts_ms >= ?1 ORDER BY impression_pk LIMIT 1),
                    (SELECT max(impression_pk) + 1 FROM impressions))
                """, arguments: [cutoffMs])
        purged.impressions = db.changesCount
        return purged
    }

    /// When the last purge ran (from `jobs`), for the daily schedule.
    public static func lastPurgeMs(in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT max(started_ms) FROM jobs WHERE kind = 'purge' AND status = 'succeeded'")
    }
}
