import GRDB

/// Daily KPIs kept as rollups (migration 0009): every way events and impressions come in adds
/// what it stored, in its own transaction, so that reports read a few rows per day however
/// many events there are. The views `kpi_event_rows` and `kpi_impression_facts` decide what
/// counts where; this only sums them.
public enum KPIRollups {
    /// The newest event now: what a batch written after this adds to the rollups is
    /// everything above it.
    public static func eventMark(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(event_pk), 0) FROM events") ?? 0
    }

    /// Adds the events stored after `mark` (the caller's transaction wrote them; rowids only grow
    /// within it). A response logged later than the events that follow it is not looked for:
    /// responses are logged before anything can follow them.
    public static func addEvents(after mark: Int64, in db: Database) throws {
        try db.cachedStatement(sql: addEventsSQL).execute(arguments: [mark])
    }

    /// Adds the responses logged after `mark` from the view: what a rebuild runs. Logging sums
    /// its own batches in Swift (`ImpressionFold`), to the same result.
    public static func addImpressions(after mark: Int64, in db: Database) throws {
        try db.cachedStatement(sql: addImpressionsSQL).execute(arguments: [mark])
    }

    /// Recounts everything from the events and impressions stored now; returns the rows written.
    /// Counts of events erased or expired since are gone afterwards.
    @discardableResult
    public static func rebuild(in db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM kpi_rollups")
        try addEvents(after: Int64.min, in: db)
        try addImpressions(after: Int64.min, in: db)
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM kpi_rollups") ?? 0
    }

    /// What one day (or a period) adds up to for one value of a dimension.
    public struct Sums: Sendable, Equatable {
        public var lists = 0
        public var impressions = 0
        public var events = 0
        public var views = 0
        public var clicks = 0
        public var carts = 0
        public var purchases = 0
        public var revenue = 0.0
        public var dwellSeconds = 0.0
        public var dwellEvents = 0
        public var recommendationClicks = 0
        public var recommendationCarts = 0
        public var recommendationPurchases = 0
        public var recommendationRevenue = 0.0

        public init() {}

        public static func + (a: Sums, b: Sums) -> Sums {
            var sum = a
            sum.lists += b.lists
            sum.impressions += b.impressions
            sum.events += b.events
            sum.views += b.views
            sum.clicks += b.clicks
            sum.carts += b.carts
            sum.purchases += b.purchases
            sum.revenue += b.revenue
            sum.dwellSeconds += b.dwellSeconds
            sum.dwellEvents += b.dwellEvents
            sum.recommendationClicks += b.recommendationClicks
            sum.recommendationCarts += b.recommendationCarts
            sum.recommendationPurchases += b.recommendationPurchases
            sum.recommendationRevenue += b.recommendationRevenue
            return sum
        }
    }

    public struct Row: Sendable, Equatable {
        /// Nil when the row sums the whole period.
        public var day: Int64?
        public var value: String
        public var sums: Sums
    }

    /// The rollups of one dimension over `days` (days since 1970, UTC), per day and value, or
    /// per value for the whole period.
    public static func rows(dimension: String, days: ClosedRange<Int64>, perDay: Bool, in db: Database) throws -> [Row] {
        let grouping = perDay ? "day, value" : "value"
        let cursor = try GRDB.Row.fetchCursor(
            db,
            sql: """
                SELECT \(perDay ? "day" : "NULL"), value, sum(lists), sum(impressions), sum(events), sum(views), sum(clicks), sum(carts),
                       sum(purchases), total(revenue), total(dwell_seconds), sum(dwell_events), sum(rec_clicks), sum(rec_carts),
                       sum(rec_purchases), total(rec_revenue)
                FROM kpi_rollups WHERE dimension = ? AND day BETWEEN ? AND ?
                GROUP BY \(grouping) ORDER BY \(grouping)
                """, arguments: [dimension, days.lowerBound, days.upperBound])
        var rows: [Row] = []
        while let row = try cursor.next() {
            var sums = Sums()
            sums.lists = row[2]
            sums.impressions = row[3]
            sums.events = row[4]
            sums.views = row[5]
            sums.clicks = row[6]
            sums.carts = row[7]
            sums.purchases = row[8]
            sums.revenue = row[9]
            sums.dwellSeconds = row[10]
            sums.dwellEvents = row[11]
            sums.recommendationClicks = row[12]
            sums.recommendationCarts = row[13]
            sums.recommendationPurchases = row[14]
            sums.recommendationRevenue = row[15]
            rows.append(Row(day: row[0], value: row[1], sums: sums))
        }
        return rows
    }

    /// The first and last day anything was counted on.
    public static func dayRange(in db: Database) throws -> ClosedRange<Int64>? {
        guard let row = try GRDB.Row.fetchOne(db, sql: "SELECT min(day), max(day) FROM kpi_rollups WHERE dimension = 'all'"),
            let first: Int64 = row[0], let last: Int64 = row[1]
        else { return nil }
        return first...last
    }

    /// Acknowledged events not filed yet, and so not counted yet.
    public static func eventsWaiting(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM event_inbox") ?? 0
    }

    /// Events grouped by everything they count under first (a few thousand groups a day, so the
    /// second grouping is small), then each group once per dimension.
    private static let addEventsSQL = """
        WITH grouped AS (
            SELECT day, device, country, category, surface, position, model, variant, block, hour,
                   count(*) AS events, sum(views) AS views, sum(clicks) AS clicks, sum(carts) AS carts, sum(purchases) AS purchases,
                   total(revenue) AS revenue, total(dwell_seconds) AS dwell_seconds, sum(dwell_events) AS dwell_events,
                   sum(followed AND clicks) AS rec_clicks, sum(followed AND carts) AS rec_carts, sum(followed AND purchases) AS rec_purchases,
                   total(CASE WHEN followed THEN revenue ELSE 0 END) AS rec_revenue
            FROM kpi_event_rows
            WHERE event_pk > ?
            GROUP BY day, device, country, category, surface, position, model, variant, block, hour
        )
        INSERT INTO kpi_rollups (day, dimension, value, events, views, clicks, carts, purchases, revenue, dwell_seconds, dwell_events,
                                 rec_clicks, rec_carts, rec_purchases, rec_revenue)
        SELECT g.day, d.dimension,
               CASE d.dimension WHEN 'all' THEN '' WHEN 'device' THEN g.device WHEN 'country' THEN g.country WHEN 'category' THEN g.category
                    WHEN 'surface' THEN g.surface WHEN 'position' THEN g.position WHEN 'model' THEN g.model WHEN 'variant' THEN g.variant
                    WHEN 'block' THEN g.block WHEN 'hour' THEN g.hour END AS value,
               sum(g.events), sum(g.views), sum(g.clicks), sum(g.carts), sum(g.purchases), total(g.revenue), total(g.dwell_seconds),
               sum(g.dwell_events), sum(g.rec_clicks), sum(g.rec_carts), sum(g.rec_purchases), total(g.rec_revenue)
        FROM grouped AS g CROSS JOIN kpi_dimensions AS d
        WHERE value IS NOT NULL
        GROUP BY g.day, d.dimension, value
        \(eventSumsOnConflict)
        """

    private static let addImpressionsSQL = """
        INSERT INTO kpi_rollups (day, dimension, value, lists, impressions)
        SELECT day, dimension, value, sum(lists), sum(impressions)
        FROM kpi_impression_facts
        WHERE impression_pk > ? AND value IS NOT NULL
        GROUP BY day, dimension, value
        ON CONFLICT (dimension, day, value) DO UPDATE SET lists = lists + excluded.lists, impressions = impressions + excluded.impressions
        """

    /// How a batch's event sums join the rollups: what filing's fold (`FiledEventFold`) and
    /// the statement above both add with.
    static let eventSumsOnConflict = """
        ON CONFLICT (dimension, day, value) DO UPDATE SET
            events = events + excluded.events, views = views + excluded.views, clicks = clicks + excluded.clicks,
            carts = carts + excluded.carts, purchases = purchases + excluded.purchases, revenue = revenue + excluded.revenue,
            dwell_seconds = dwell_seconds + excluded.dwell_seconds, dwell_events = dwell_events + excluded.dwell_events,
            rec_clicks = rec_clicks + excluded.rec_clicks, rec_carts = rec_carts + excluded.rec_carts,
            rec_purchases = rec_purchases + excluded.rec_purchases, rec_revenue = rec_revenue + excluded.rec_revenue
        """
}
