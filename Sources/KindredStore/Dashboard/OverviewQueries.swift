/// The overview page's queries: KPIs from the rollups that filing keeps (`kpi_rollups`), so that
/// each reads a few rows per day however many events the shop has.
public enum OverviewQueries {
    /// Every day of `days`, the quiet ones too, so that a chart's x axis has no holes.
    static func dayList(_ days: ClosedRange<Int64>) -> String {
        "WITH RECURSIVE days(day) AS (SELECT \(SQLText.day(days.lowerBound)) UNION ALL SELECT day + 1 FROM days WHERE day < \(days.upperBound))"
    }

    /// The period's headline figures beside the period before it, one row each.
    public static func headline(current: ClosedRange<Int64>, previous: ClosedRange<Int64>) -> ShownQuery {
        ShownQuery(
            """
            WITH periods(period, first_day, last_day) AS (
                VALUES ('this period', \(current.lowerBound), \(current.upperBound)),
                       ('previous period', \(previous.lowerBound), \(previous.upperBound)))
            SELECT p.period, date(p.first_day * 86400, 'unixepoch') AS first_day, date(p.last_day * 86400, 'unixepoch') AS last_day,
                   coalesce(sum(r.events), 0) AS events,
                   coalesce(sum(r.impressions), 0) AS items_shown,
                   coalesce(sum(r.rec_clicks), 0) AS recommendation_clicks,
                   1.0 * sum(r.rec_clicks) / nullif(sum(r.impressions), 0) AS ctr,
                   1.0 * sum(r.rec_purchases) / nullif(sum(r.rec_clicks), 0) AS conversion,
                   total(r.rec_revenue) AS recommendation_revenue,
                   total(r.revenue) AS revenue,
                   total(r.rec_revenue) / nullif(total(r.revenue), 0) AS revenue_share,
                   total(r.dwell_seconds) / nullif(sum(r.dwell_events), 0) AS mean_dwell_seconds
            FROM periods AS p
            LEFT JOIN kpi_rollups AS r ON r.dimension = 'all' AND r.day BETWEEN p.first_day AND p.last_day
            GROUP BY p.period
            ORDER BY p.first_day DESC
            """)
    }

    /// Events per day by type.
    public static func eventsPerDay(_ days: ClosedRange<Int64>) -> ShownQuery {
        perDay(
            days,
            """
            coalesce(r.events, 0) AS events, coalesce(r.views, 0) AS views, coalesce(r.clicks, 0) AS clicks,
                   coalesce(r.carts, 0) AS carts, coalesce(r.purchases, 0) AS purchases
            """)
    }

    /// Click-through and conversion of recommendations per day (NULL on a day with nothing shown).
    public static func ratesPerDay(_ days: ClosedRange<Int64>) -> ShownQuery {
        perDay(
            days,
            """
            1.0 * r.rec_clicks / nullif(r.impressions, 0) AS ctr,
                   1.0 * r.rec_purchases / nullif(r.rec_clicks, 0) AS conversion
            """)
    }

    /// Revenue per day, and the part of it that followed a recommendation (by request id).
    public static func revenuePerDay(_ days: ClosedRange<Int64>) -> ShownQuery {
        perDay(days, "coalesce(r.revenue, 0.0) AS revenue, coalesce(r.rec_revenue, 0.0) AS recommendation_revenue")
    }

    /// One row per day of `days` with `columns` from the whole shop's rollup row of that day
    /// (`r`; absent on a day nothing was counted).
    private static func perDay(_ days: ClosedRange<Int64>, _ columns: String) -> ShownQuery {
        ShownQuery(
            """
            \(dayList(days))
            SELECT date(d.day * 86400, 'unixepoch') AS day,
                   \(columns)
            FROM days AS d
            LEFT JOIN kpi_rollups AS r ON r.dimension = 'all' AND r.value = '' AND r.day = d.day
            ORDER BY d.day
            """)
    }

    /// How fresh the data is at `nowMs`: events acknowledged but not filed, how long the oldest has
    /// waited, the newest filed event's age, and the serving model and its age.
    public static func freshness(nowMs: Int64) -> ShownQuery {
        ShownQuery(
            """
            SELECT (SELECT count(*) FROM event_inbox) AS events_waiting,
                   (\(nowMs) - (SELECT min(received_ms) FROM event_inbox)) / 1000.0 AS oldest_waiting_seconds,
                   (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', received_ms / 1000, 'unixepoch') FROM events ORDER BY event_pk DESC LIMIT 1)
                       AS newest_event_filed_at,
                   (\(nowMs) - (SELECT received_ms FROM events ORDER BY event_pk DESC LIMIT 1)) / 3600000.0 AS last_event_age_hours,
                   (SELECT version FROM model_versions WHERE status = 'active') AS serving_model,
                   (SELECT algorithm FROM model_versions WHERE status = 'active') AS serving_algorithm,
                   (\(nowMs) - (SELECT coalesce(activated_ms, created_ms) FROM model_versions WHERE status = 'active')) / 3600000.0
                       AS model_age_hours,
                   (\(nowMs) - (SELECT data_to_ms FROM model_versions WHERE status = 'active')) / 3600000.0 AS model_data_age_hours
            """)
    }

    /// Background work that failed in the period (imports, training, retention, reports), by kind,
    /// beside the runs of each kind.
    public static func failures(sinceMs: Int64) -> ShownQuery {
        ShownQuery(
            """
            SELECT kind, count(*) AS runs, sum(status = 'failed') AS failed,
                   (SELECT error FROM jobs AS l WHERE l.kind = j.kind AND l.status = 'failed' AND l.started_ms >= \(sinceMs)
                    ORDER BY l.started_ms DESC LIMIT 1) AS last_error
            FROM jobs AS j
            WHERE started_ms >= \(sinceMs) /* \(DayText.format(sinceMs / 86_400_000)) */
            GROUP BY kind
            ORDER BY failed DESC, runs DESC
            """)
    }
}
