/// The recommendations page's queries: how lists do by where and how they were shown, which items
/// and blocks do worst, and what one person was shown.
public enum RecommendationQueries {
    /// The rollup breakdowns a page may ask for (`kpi_dimensions`).
    public enum Breakdown: String, Sendable, CaseIterable {
        case position, surface, device, country, model, variant, category
    }

    /// Click-through by one breakdown over `days`, from the rollups. Positions in their order,
    /// the rest largest first (at most 20).
    public static func clickThrough(by breakdown: Breakdown, days: ClosedRange<Int64>) -> ShownQuery {
        let order = breakdown == .position ? "CAST(value AS INTEGER)" : "items_shown DESC, value LIMIT 20"
        let label = breakdown == .position ? "CAST(value AS INTEGER)" : "CASE value WHEN '' THEN '(not given)' ELSE value END"
        return ShownQuery(
            """
            SELECT \(label) AS \(breakdown.rawValue),
                   sum(impressions) AS items_shown, sum(rec_clicks) AS clicks,
                   1.0 * sum(rec_clicks) / nullif(sum(impressions), 0) AS ctr,
                   sum(rec_purchases) AS purchases, total(rec_revenue) AS revenue
            FROM kpi_rollups
            WHERE dimension = \(SQLText.quoted(breakdown.rawValue)) AND day BETWEEN \(SQLText.day(days.lowerBound)) AND \(SQLText.day(days.upperBound))
            GROUP BY value
            HAVING sum(impressions) > 0
            ORDER BY \(order)
            """)
    }

    /// Click-through by UTC hour of the day the list was shown, from the logged lists of the period.
    public static func clickThroughByHour(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            WITH lists AS (
                SELECT request_id, (ts_ms / 3600000) % 24 AS hour, json_array_length(items) AS shown
                FROM impressions
                WHERE ts_ms >= \(days.lowerBound * 86_400_000) AND ts_ms < \((days.upperBound + 1) * 86_400_000)),
            clicks AS (
                SELECT e.request_id, count(*) AS clicks FROM events AS e
                WHERE e.type = 'click' AND e.request_id IN (SELECT request_id FROM lists)
                GROUP BY e.request_id)
            SELECT l.hour AS hour_utc, sum(l.shown) AS items_shown, coalesce(sum(c.clicks), 0) AS clicks,
                   1.0 * coalesce(sum(c.clicks), 0) / nullif(sum(l.shown), 0) AS ctr
            FROM lists AS l LEFT JOIN clicks AS c USING (request_id)
            GROUP BY l.hour
            ORDER BY l.hour
            """)
    }

    /// Click-through of each content block of the page surfaces, worst first.
    public static func blocks(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            WITH lists AS (
                SELECT request_id, block, json_array_length(items) AS shown
                FROM impressions
                WHERE block IS NOT NULL AND ts_ms >= \(days.lowerBound * 86_400_000) AND ts_ms < \((days.upperBound + 1) * 86_400_000)),
            clicks AS (
                SELECT e.request_id, count(*) AS clicks FROM events AS e
                WHERE e.type = 'click' AND e.request_id IN (SELECT request_id FROM lists)
                GROUP BY e.request_id)
            SELECT l.block, count(*) AS lists, sum(l.shown) AS items_shown, coalesce(sum(c.clicks), 0) AS clicks,
                   1.0 * coalesce(sum(c.clicks), 0) / nullif(sum(l.shown), 0) AS ctr
            FROM lists AS l LEFT JOIN clicks AS c USING (request_id)
            GROUP BY l.block
            ORDER BY ctr, items_shown DESC
            """)
    }

    /// The items shown at least `minimumShown` times in the period that were clicked least often
    /// per showing.
    public static func worstItems(days: ClosedRange<Int64>, minimumShown: Int = 20) -> ShownQuery {
        let from = days.lowerBound * 86_400_000
        let to = (days.upperBound + 1) * 86_400_000
        return ShownQuery(
            """
            WITH shown AS (
                SELECT json_extract(j.value, '$.item_id') AS item_id, count(*) AS shown
                FROM impressions AS i, json_each(i.items) AS j
                WHERE i.ts_ms >= \(from) AND i.ts_ms < \(to)
                GROUP BY 1),
            clicked AS (
                SELECT it.item_id, count(*) AS clicks
                FROM events AS e JOIN items AS it USING (item_pk) JOIN impressions AS i ON i.request_id = e.request_id
                WHERE e.type = 'click' AND e.ts_ms >= \(from) AND i.ts_ms >= \(from) AND i.ts_ms < \(to)
                GROUP BY it.item_id)
            SELECT s.item_id, it.title, it.category, s.shown, coalesce(c.clicks, 0) AS clicks,
                   1.0 * coalesce(c.clicks, 0) / s.shown AS ctr
            FROM shown AS s LEFT JOIN clicked AS c USING (item_id) LEFT JOIN items AS it USING (item_id)
            WHERE s.shown >= \(minimumShown)
            ORDER BY ctr, s.shown DESC
            LIMIT 15
            """)
    }

    /// The last `lists` lists shown to the person stored under `pseudonym`, item by item, with the
    /// reason each item gave and whether it was clicked.
    public static func personLists(pseudonym: String, lists: Int = 5) -> ShownQuery {
        ShownQuery(
            """
            SELECT strftime('%Y-%m-%dT%H:%M:%SZ', i.ts_ms / 1000, 'unixepoch') AS shown_at, i.request_id, i.surface,
                   coalesce(i.block, '') AS block, i.model_version, coalesce(i.experiment || '/' || i.variant, '') AS variant,
                   j.key + 1 AS position, json_extract(j.value, '$.item_id') AS item_id, json_extract(j.value, '$.reason') AS reason,
                   EXISTS (SELECT 1 FROM events AS e JOIN items AS it USING (item_pk)
                           WHERE e.request_id = i.request_id AND e.type = 'click'
                             AND it.item_id = json_extract(j.value, '$.item_id')) AS clicked
            FROM (SELECT * FROM impressions
                  WHERE user_pk = (SELECT user_pk FROM users WHERE pseudonym = \(SQLText.quoted(pseudonym)))
                  ORDER BY ts_ms DESC LIMIT \(lists)) AS i,
                 json_each(i.items) AS j
            ORDER BY i.ts_ms DESC, position
            """)
    }
}
