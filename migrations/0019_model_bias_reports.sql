-- The bias report of a model version (`kindred audit bias`): exposure of item groups against
-- their share of the catalog and of what people wanted, popularity bias, and accuracy gaps
-- between groups of people, as JSON; the latest audit of each version is kept with it.
CREATE TABLE model_bias_reports (
    version     INTEGER PRIMARY KEY REFERENCES model_versions (version) ON DELETE CASCADE,
    created_ms  INTEGER NOT NULL,
    report      TEXT NOT NULL CHECK (json_valid(report))
) STRICT;

-- Each model version in one row: its data window, validation metrics, bias report's headline
-- figures, status and why, and who trained and who activated it, from the audit log.
CREATE VIEW model_history AS
SELECT v.version, v.algorithm, v.status, v.status_reason,
       strftime('%Y-%m-%dT%H:%M:%fZ', v.data_from_ms / 1000.0, 'unixepoch') AS data_from,
       strftime('%Y-%m-%dT%H:%M:%fZ', v.data_to_ms / 1000.0, 'unixepoch') AS data_to,
       json_extract(v.metrics, '$.validation.ndcg') AS validation_ndcg,
       json_extract(v.metrics, '$.validation.recall') AS validation_recall,
       json_extract(b.report, '$.popularity.exposure_gini') AS exposure_gini,
       json_extract(b.report, '$.popularity.long_tail_share') AS long_tail_share,
       (SELECT max(json_extract(g.value, '$.ndcg_gap')) FROM json_each(b.report, '$.accuracy_gaps') AS g) AS largest_ndcg_gap,
       (SELECT a.actor FROM audit_log AS a
         WHERE a.action = 'train' AND json_extract(a.details, '$.version') = v.version ORDER BY a.audit_pk LIMIT 1) AS trained_by,
       (SELECT a.actor FROM audit_log AS a
         WHERE a.action IN ('activate', 'train') AND json_extract(a.details, '$.version') = v.version
           AND coalesce(json_extract(a.details, '$.activated'), 1) = 1
         ORDER BY a.audit_pk DESC LIMIT 1) AS activated_by
FROM model_versions AS v LEFT JOIN model_bias_reports AS b USING (version);
