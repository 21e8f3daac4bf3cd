/// The recommendations page's queries: how lists do by where and how they were shown, which items
/// and blocks do worst, and what one person was shown.
public enum RecommendationQueries {
    /// The rollup breakdowns a page may ask for (`kpi_dimensions`).
    public enum Breakdown: String, Sendable, CaseIterable {
        case position, surface, device, country, model, variant, category, block, hour
    }

    /// Click-through by one breakdown over `days`, from the rollups. Positions and hours in their
    /// order, blocks worst first, the rest largest first (at most 20).
    public static func clickThrough(by breakdown: Breakdown, days: ClosedRange<Int64>) -> ShownQuery {
        let numbered = breakdown == .position || breakdown == .hour
        let order = numbered ? "CAST(value AS INTEGER)" : breakdown == .block ? "ctr, items_shown DESC" : "items_shown DESC, value LIMIT 20"
        let label = numbered ? "CAST(value AS INTEGER)" : "CASE value WHEN '' THEN '(not given)' ELSE value END"
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

    /// The items shown at least `minimumShown` times in the period's latest `lists` lists that
    /// were clicked least often per showing. Bounded by lists rather than days: this reads the
    /// impression log itself, item by item, and a busy shop logs tens of thousands a day.
    public static func worstItems(days: ClosedRange<Int64>, minimumShown: Int = 20, lists: Int = 2000) -> ShownQuery {
        ShownQuery(
            """
            WITH lists AS (
                SELECT request_id, items FROM impressions
                WHERE ts_ms >= \(days.lowerBound * 86_400_000) AND ts_ms < \((days.upperBound + 1) * 86_400_000)
                ORDER BY ts_ms DESC LIMIT \(lists)),
            shown AS (
                SELECT json_extract(j.value, '$.item_id') AS item_id, count(*) AS shown
                FROM lists AS l, json_each(l.items) AS j
                GROUP BY 1),
            clicked AS (
                SELECT it.item_id, count(*) AS clicks
                FROM lists AS l CROSS JOIN events AS e ON e.request_id = l.request_id JOIN items AS it ON it.item_pk = e.item_pk
                WHERE e.type = 'click'
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
