/// The experiments page's queries.
public enum ExperimentQueries {
    /// Every experiment, newest first.
    public static let list = ShownQuery(
        """
        SELECT key, name, status, surface, json_array_length(variants) AS variants, traffic_share,
               strftime('%Y-%m-%dT%H:%M:%SZ', started_ms / 1000, 'unixepoch') AS started_at,
               strftime('%Y-%m-%dT%H:%M:%SZ', stopped_ms / 1000, 'unixepoch') AS stopped_at,
               shipped_variant
        FROM experiments
        ORDER BY created_ms DESC
        """)

    /// The latest stored report of one experiment (the scheduler stores one each hour, and the
    /// page stores a fresh one when it is opened).
    public static func results(experiment key: String) -> ShownQuery {
        ShownQuery(
            """
            SELECT variant, metric, people, mean, relative_effect, relative_ci_low, relative_ci_high, relative_p_value,
                   adjusted_p_value, sequential_p_value, sequential_significant, absolute_effect, absolute_ci_low, absolute_ci_high,
                   method, cuped_reduction, srm_p_value, srm_flagged, level, computed_at
            FROM experiment_results
            WHERE experiment = \(SQLText.quoted(key))
            ORDER BY metric, variant
            """)
    }

    /// Every stored report's relative effect on one metric over time, per variant.
    public static func effectHistory(experiment key: String, metric: String) -> ShownQuery {
        ShownQuery(
            """
            SELECT strftime('%Y-%m-%dT%H:%M:%SZ', h.computed_ms / 1000, 'unixepoch') AS computed_at, h.variant,
                   h.relative_effect, h.relative_ci_low, h.relative_ci_high, h.people
            FROM experiment_report_history AS h JOIN experiments AS e USING (experiment_pk)
            WHERE e.key = \(SQLText.quoted(key)) AND h.metric = \(SQLText.quoted(metric)) AND h.relative_effect IS NOT NULL
            ORDER BY h.computed_ms, h.variant
            """)
    }
}
