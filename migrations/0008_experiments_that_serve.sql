-- Kindred schema, version 8: experiments whose variants change what is served, and exposures.
-- Same conventions as version 1. This file never changes once shipped.

-- What an experiment changes and for whom. Each variant in `variants` may now carry a
-- "strategy" (algorithm:NAME, model:VERSION or default; absent means default).
--   surface         the responses it decides: recommendations for a person, or similar items
--   layer           experiments in one layer never share a person; different layers may
--   traffic_share   the share of eligible people it takes (the rest get the default, uncounted)
--   layer_from/to   its slice of the layer while it runs, [from, to) of a hash of the layer and
--                   the person, given out at start so that starting or stopping another
--                   experiment never moves anyone between experiments
--   targeting       {"device": [...], "country": [...], "segment": [...]}: only people who match
--   shipped_variant the variant whose strategy became the default when it was shipped
ALTER TABLE experiments ADD COLUMN surface TEXT NOT NULL DEFAULT 'recommendations'
    CHECK (surface IN ('recommendations', 'similar'));
ALTER TABLE experiments ADD COLUMN layer TEXT NOT NULL DEFAULT 'main';
ALTER TABLE experiments ADD COLUMN traffic_share REAL NOT NULL DEFAULT 1
    CHECK (traffic_share > 0 AND traffic_share <= 1);
ALTER TABLE experiments ADD COLUMN layer_from REAL;
ALTER TABLE experiments ADD COLUMN layer_to REAL;
ALTER TABLE experiments ADD COLUMN targeting TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid(targeting) AND json_type(targeting) = 'object');
ALTER TABLE experiments ADD COLUMN shipped_variant TEXT;

-- The first time a person was served their variant's strategy: what analysis counts from.
-- An assignment without an exposure (asked for, never shown) is not counted.
ALTER TABLE assignments ADD COLUMN exposed_ms INTEGER;
ALTER TABLE assignments ADD COLUMN exposure_request_id TEXT;
CREATE INDEX assignments_exposed ON assignments (experiment_pk, exposed_ms) WHERE exposed_ms IS NOT NULL;

-- The experiment and variant whose strategy produced a response; events that follow it (by
-- request id) are stamped with the same when they are filed.
ALTER TABLE impressions ADD COLUMN experiment TEXT;
ALTER TABLE impressions ADD COLUMN variant TEXT;

-- Exposures as a person reads them.
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

-- The latest report of each experiment, one row per variant and metric, written each time a
-- report is computed (`kindred experiments report`, the admin route, and the scheduler every
-- hour for running experiments), so that the sqlite3 prompt can read results without the
-- statistics engine. Effects are treatment against the first variant; the control's row has
-- its mean only.
CREATE TABLE experiment_report_rows (
    experiment_pk     INTEGER NOT NULL REFERENCES experiments (experiment_pk) ON DELETE CASCADE,
    variant           TEXT NOT NULL,
    metric            TEXT NOT NULL,
    people            INTEGER NOT NULL,
    mean              REAL,
    absolute_effect   REAL,
    absolute_ci_low   REAL,
    absolute_ci_high  REAL,
    absolute_p_value  REAL,
    relative_effect   REAL,
    relative_ci_low   REAL,
    relative_ci_high  REAL,
    relative_p_value  REAL,
    method            TEXT NOT NULL,                 -- welch_t, two_proportion_z, gaussian_confidence_sequence
    cuped_reduction   REAL,                          -- share of variance CUPED removed, when applied
    srm_p_value       REAL NOT NULL,
    level             REAL NOT NULL,
    computed_ms       INTEGER NOT NULL,
    PRIMARY KEY (experiment_pk, variant, metric)
) STRICT, WITHOUT ROWID;

CREATE VIEW experiment_results AS
SELECT e.key AS experiment,
       r.variant, r.metric, r.people, r.mean,
       r.absolute_effect, r.absolute_ci_low, r.absolute_ci_high, r.absolute_p_value,
       r.relative_effect, r.relative_ci_low, r.relative_ci_high, r.relative_p_value,
       r.method, r.cuped_reduction, r.srm_p_value, r.srm_p_value < 0.001 AS srm_flagged, r.level,
       strftime('%Y-%m-%dT%H:%M:%fZ', r.computed_ms / 1000.0, 'unixepoch') AS computed_at
FROM experiment_report_rows AS r
JOIN experiments AS e USING (experiment_pk);
