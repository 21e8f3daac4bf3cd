/// The segments page's queries, over live segments (not retired by a rebuild).
public enum SegmentQueries {
    /// Members of each live segment now, and what defines it: a rule, or the three features
    /// its cluster centre stands furthest from the mean on (in standard deviations).
    public static let definitions = ShownQuery(
        """
        SELECT s.key, s.name, s.kind,
               (SELECT count(*) FROM segment_members AS m WHERE m.segment_pk = s.segment_pk) AS members,
               coalesce(s.rule, (
                   SELECT group_concat(feature, ', ') FROM (
                       SELECT f.value || ' ' || printf('%+.1f', c.value) AS feature
                       FROM segmentations AS g, json_each(s.centroid) AS c, json_each(g.features) AS f
                       WHERE g.segmentation_pk = s.segmentation_pk AND f.key = c.key
                       ORDER BY abs(c.value) DESC LIMIT 3))) AS defined_by,
               json_extract(s.strategy, '$') AS strategy
        FROM segments AS s
        WHERE s.retired_ms IS NULL
        ORDER BY members DESC, s.key
        """)

    /// Members of each live segment at the end of each day: those in it when the period began,
    /// plus the stays that began and less those that ended by each day's end. One pass over the
    /// history for the start, and the period's changes after it.
    public static func sizesPerDay(days: ClosedRange<Int64>) -> ShownQuery {
        let start = days.lowerBound * 86_400_000
        return ShownQuery(
            """
            \(OverviewQueries.dayList(days)),
            live AS (SELECT segment_pk, key FROM segments WHERE retired_ms IS NULL),
            at_start AS (
                SELECT segment_pk, count(*) AS members FROM segment_history
                WHERE from_ms < \(start) AND (to_ms IS NULL OR to_ms >= \(start)) GROUP BY segment_pk),
            changes AS (
                SELECT segment_pk, from_ms / 86400000 AS day, 1 AS delta FROM segment_history WHERE from_ms >= \(start)
                UNION ALL
                SELECT segment_pk, to_ms / 86400000 AS day, -1 AS delta FROM segment_history WHERE to_ms >= \(start)),
            per_day AS (SELECT segment_pk, day, sum(delta) AS delta FROM changes GROUP BY segment_pk, day),
            grid AS (
                SELECT d.day, l.segment_pk, l.key, coalesce(p.delta, 0) AS delta
                FROM days AS d CROSS JOIN live AS l LEFT JOIN per_day AS p ON p.segment_pk = l.segment_pk AND p.day = d.day)
            SELECT date(g.day * 86400, 'unixepoch') AS day, g.key AS segment,
                   coalesce(a.members, 0) + sum(g.delta) OVER (PARTITION BY g.segment_pk ORDER BY g.day) AS members
            FROM grid AS g LEFT JOIN at_start AS a USING (segment_pk)
            ORDER BY g.key, g.day
            """)
    }

    /// What each live segment's current members did over the period: items shown to them in lists
    /// of the period, their clicks and purchases that followed those lists, and their revenue.
    /// Each part starts from its smallest side (the period's lists, the period's days with
    /// revenue) and joins in that order (CROSS JOIN fixes it for SQLite's planner), so that it
    /// reads the period only.
    public static func kpis(days: ClosedRange<Int64>) -> ShownQuery {
        let from = days.lowerBound * 86_400_000
        return ShownQuery(
            """
            WITH live AS (SELECT segment_pk, key FROM segments WHERE retired_ms IS NULL),
            sizes AS (
                SELECT m.segment_pk, count(*) AS members FROM live CROSS JOIN segment_members AS m USING (segment_pk)
                GROUP BY m.segment_pk),
            shown AS (
                SELECT m.segment_pk, total(json_array_length(i.items)) AS shown
                FROM impressions AS i CROSS JOIN segment_members AS m ON m.user_pk = i.user_pk
                WHERE i.ts_ms >= \(from) GROUP BY m.segment_pk),
            followed AS (
                SELECT m.segment_pk, sum(e.type = 'click') AS clicks, sum(e.type = 'purchase') AS purchases
                FROM impressions AS i CROSS JOIN events AS e ON e.request_id = i.request_id
                CROSS JOIN segment_members AS m ON m.user_pk = e.user_pk
                WHERE i.ts_ms >= \(from) AND e.type IN ('click', 'purchase') GROUP BY m.segment_pk),
            spent AS (
                SELECT m.segment_pk, total(d.revenue) AS revenue
                FROM person_days AS d CROSS JOIN segment_members AS m ON m.user_pk = d.user_pk
                WHERE d.day >= \(SQLText.day(days.lowerBound)) AND d.revenue <> 0
                GROUP BY m.segment_pk)
            SELECT l.key AS segment, coalesce(z.members, 0) AS members, CAST(coalesce(sh.shown, 0) AS INTEGER) AS items_shown,
                   coalesce(f.clicks, 0) AS clicks, 1.0 * f.clicks / nullif(sh.shown, 0) AS ctr,
                   1.0 * f.purchases / nullif(f.clicks, 0) AS conversion, coalesce(sp.revenue, 0.0) AS revenue,
                   sp.revenue / nullif(z.members, 0) AS revenue_per_person
            FROM live AS l
            LEFT JOIN sizes AS z USING (segment_pk) LEFT JOIN shown AS sh USING (segment_pk)
            LEFT JOIN followed AS f USING (segment_pk) LEFT JOIN spent AS sp USING (segment_pk)
            ORDER BY members DESC, l.key
            """)
    }

    /// Who moved between cluster segments over the period (the `segment_moves` view's rule, with
    /// the period applied to the stay that began first).
    public static func moves(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            SELECT f.key AS from_segment, t.key AS to_segment, count(*) AS people
            FROM segment_history AS h
            JOIN segment_history AS p ON p.user_pk = h.user_pk AND p.to_ms = h.from_ms AND p.segment_pk <> h.segment_pk
            JOIN segments AS t ON t.segment_pk = h.segment_pk
            JOIN segments AS f ON f.segment_pk = p.segment_pk
            WHERE h.from_ms >= \(days.lowerBound * 86_400_000) AND t.rule IS NULL AND f.rule IS NULL AND f.retired_ms IS NOT h.from_ms
            GROUP BY f.key, t.key
            ORDER BY people DESC, from_segment, to_segment
            LIMIT 20
            """)
    }
}
