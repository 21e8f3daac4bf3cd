/// The models page's queries.
public enum ModelQueries {
    /// Every model version with its validation metrics, bias figures and why it is in its state.
    public static let history = ShownQuery(
        """
        SELECT h.version, h.algorithm, h.status, h.status_reason,
               strftime('%Y-%m-%dT%H:%M:%SZ', v.created_ms / 1000, 'unixepoch') AS trained_at,
               strftime('%Y-%m-%dT%H:%M:%SZ', v.activated_ms / 1000, 'unixepoch') AS activated_at,
               h.validation_ndcg, h.validation_recall, h.exposure_gini, h.long_tail_share, h.largest_ndcg_gap,
               h.trained_by, h.activated_by
        FROM model_history AS h JOIN model_versions AS v USING (version)
        ORDER BY h.version
        """)

    /// Who activated which version, and when: the audit log's train and activate entries.
    public static let activations = ShownQuery(
        """
        SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at_ms / 1000, 'unixepoch') AS at, actor, action,
               json_extract(details, '$.version') AS version, json_extract(details, '$.reason') AS reason
        FROM audit_log
        WHERE action = 'activate' OR (action = 'train' AND coalesce(json_extract(details, '$.activated'), 1) = 1)
        ORDER BY audit_pk DESC
        LIMIT 20
        """)
}
