-- foreign_keys: off
-- Experiments decide pages of content blocks too: an experiment on the home or product page
-- compares layouts (which blocks, in which order). experiments.surface now takes 'home' and
-- 'product' beside 'recommendations' and 'similar'.
--
-- SQLite cannot loosen a CHECK constraint in place, so the table is rebuilt by SQLite's
-- documented procedure (https://sqlite.org/lang_altertable.html, "making other kinds of table
-- schema changes"): with foreign keys off (the line above tells the migrator), the views that
-- read experiments are dropped, a new table is filled from the old one, the old one dropped,
-- the new one renamed, the views made again as they were, and the migrator checks every
-- foreign key before it commits. Rows, keys and assignments are unchanged.

DROP VIEW experiment_assignment_counts;
DROP VIEW experiment_exposures;
DROP VIEW experiment_results;

CREATE TABLE experiments_rebuilt (
    experiment_pk   INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    hypothesis      TEXT,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'running', 'stopped')),
    variants        TEXT NOT NULL CHECK (json_valid(variants)),
    primary_kpi     TEXT,
    created_ms      INTEGER NOT NULL,
    started_ms      INTEGER,
    stopped_ms      INTEGER,
    surface         TEXT NOT NULL DEFAULT 'recommendations'
        CHECK (surface IN ('recommendations', 'similar', 'home', 'product')),
    layer           TEXT NOT NULL DEFAULT 'main',
    traffic_share   REAL NOT NULL DEFAULT 1 CHECK (traffic_share > 0 AND traffic_share <= 1),
    layer_from      REAL,
    layer_to        REAL,
    targeting       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(targeting) AND json_type(targeting) = 'object'),
    shipped_variant TEXT
) STRICT;

INSERT INTO experiments_rebuilt (
    experiment_pk, key, name, hypothesis, status, variants, primary_kpi, created_ms, started_ms, stopped_ms, surface, layer,
    traffic_share, layer_from, layer_to, targeting, shipped_variant)
SELECT experiment_pk, key, name, hypothesis, status, variants, primary_kpi, created_ms, started_ms, stopped_ms, surface, layer,
       traffic_share, layer_from, layer_to, targeting, shipped_variant
FROM experiments;

DROP TABLE experiments;
ALTER TABLE experiments_rebuilt RENAME TO experiments;

CREATE VIEW experiment_assignment_counts AS
SELECT x.key AS experiment, a.variant, count(*) AS users
FROM assignments AS a
JOIN experiments AS x USING (experiment_pk)
GROUP BY x.key, a.variant;

CREATE VIEW experiment_exposures AS
SELECT e.key AS experiment,
       a.variant,
       u.pseudonym,
       strftime('%Y-%m-%dT%H:%M:%fZ', a.assigned_ms / 1000.0, 'unixepoch') AS assigned_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', a.exposed_ms / 1000.0, 'unixepoch') AS first_exposed_at,
       a.exposure_request_id
FROM assignments AS a
JOIN experiments AS e USING (experiment_pk)
JOIN users AS u USING (user_pk)
WHERE a.exposed_ms IS NOT NULL;

CREATE VIEW experiment_results AS
SELECT e.key AS experiment,
       r.variant, r.metric, r.people, r.mean,
       r.absolute_effect, r.absolute_ci_low, r.absolute_ci_high, r.absolute_p_value,
       r.relative_effect, r.relative_ci_low, r.relative_ci_high, r.relative_p_value,
       r.method, r.cuped_reduction, r.srm_p_value, r.srm_p_value < 0.001 AS srm_flagged, r.level,
       strftime('%Y-%m-%dT%H:%M:%fZ', r.computed_ms / 1000.0, 'unixepoch') AS computed_at
FROM experiment_report_rows AS r
JOIN experiments AS e USING (experiment_pk);
