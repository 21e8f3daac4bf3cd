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

    /// Members of each live segment at the end of each day.
    public static func sizesPerDay(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            \(OverviewQueries.dayList(days))
            SELECT date(d.day * 86400, 'unixepoch') AS day, s.key AS segment, count(h.user_pk) AS members
            FROM days AS d
            CROSS JOIN segments AS s
            LEFT JOIN segment_history AS h
              ON h.segment_pk = s.segment_pk AND h.from_ms < (d.day + 1) * 86400000
             AND (h.to_ms IS NULL OR h.to_ms >= (d.day + 1) * 86400000)
            WHERE s.retired_ms IS NULL
            GROUP BY d.day, s.segment_pk
            ORDER BY s.key, d.day
            """)
    }

    /// What each live segment's current members did over the period: items shown to them, their
    /// clicks and purchases on recommendations, and their revenue.
    public static func kpis(days: ClosedRange<Int64>) -> ShownQuery {
        let from = days.lowerBound * 86_400_000
        return ShownQuery(
            """
            WITH members AS (
                SELECT m.segment_pk, m.user_pk FROM segment_members AS m JOIN segments AS s USING (segment_pk)
                WHERE s.retired_ms IS NULL),
            shown AS (
                SELECT m.segment_pk, total(json_array_length(i.items)) AS shown
                FROM members AS m JOIN impressions AS i ON i.user_pk = m.user_pk
                WHERE i.ts_ms >= \(from) GROUP BY m.segment_pk),
            followed AS (
                SELECT m.segment_pk, sum(e.type = 'click') AS clicks, sum(e.type = 'purchase') AS purchases
                FROM members AS m JOIN events AS e ON e.user_pk = m.user_pk
                WHERE e.ts_ms >= \(from) AND e.request_id IS NOT NULL AND e.type IN ('click', 'purchase')
                  AND EXISTS (SELECT 1 FROM impressions AS i WHERE i.request_id = e.request_id)
                GROUP BY m.segment_pk),
            spent AS (
                SELECT m.segment_pk, total(d.revenue) AS revenue
                FROM members AS m JOIN person_days AS d ON d.user_pk = m.user_pk
                WHERE d.day >= \(SQLText.day(days.lowerBound)) GROUP BY m.segment_pk),
            sizes AS (SELECT segment_pk, count(*) AS members FROM members GROUP BY segment_pk)
            SELECT s.key AS segment, coalesce(z.members, 0) AS members, CAST(coalesce(sh.shown, 0) AS INTEGER) AS items_shown,
                   coalesce(f.clicks, 0) AS clicks, 1.0 * f.clicks / nullif(sh.shown, 0) AS ctr,
                   1.0 * f.purchases / nullif(f.clicks, 0) AS conversion, coalesce(sp.revenue, 0.0) AS revenue,
                   sp.revenue / nullif(z.members, 0) AS revenue_per_person
            FROM segments AS s
            LEFT JOIN sizes AS z USING (segment_pk) LEFT JOIN shown AS sh USING (segment_pk)
            LEFT JOIN followed AS f USING (segment_pk) LEFT JOIN spent AS sp USING (segment_pk)
            WHERE s.retired_ms IS NULL
            ORDER BY members DESC, s.key
            """)
    }

    /// Who moved between cluster segments over the period.
    public static func moves(days: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            SELECT from_segment, to_segment, count(*) AS people
            FROM segment_moves
            WHERE moved_ms >= \(days.lowerBound * 86_400_000)
            GROUP BY from_segment, to_segment
            ORDER BY people DESC, from_segment, to_segment
            LIMIT 20
            """)
    }
}
