-- Kindred schema, version 22: what the dashboard (/dashboard) reads. Every stored experiment
-- report kept, not only the latest, so that an effect and its interval can be drawn over the life
-- of an experiment; and the impression log indexed by time, so that the panels that read it
-- (click-through by hour and by block, the items clicked least) read only their period. Same
-- conventions as version 1. This file never changes once shipped.

-- One row per stored report, variant and metric: the same columns as experiment_report_rows,
-- appended each time a report is stored (by the hourly scheduler, `kindred experiments report`
-- or the dashboard) and never replaced. Erasing a person changes no row: reports name nobody.
CREATE TABLE experiment_report_history (
    experiment_pk     INTEGER NOT NULL REFERENCES experiments (experiment_pk) ON DELETE CASCADE,
    computed_ms       INTEGER NOT NULL,
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
    method            TEXT NOT NULL,
    cuped_reduction   REAL,
    srm_p_value       REAL NOT NULL,
    level             REAL NOT NULL,
    PRIMARY KEY (experiment_pk, metric, computed_ms, variant)
) STRICT, WITHOUT ROWID;

-- The reports stored before this version start the history.
INSERT INTO experiment_report_history
SELECT experiment_pk, computed_ms, variant, metric, people, mean, absolute_effect, absolute_ci_low, absolute_ci_high,
       absolute_p_value, relative_effect, relative_ci_low, relative_ci_high, relative_p_value, method, cuped_reduction,
       srm_p_value, level
FROM experiment_report_rows;

-- Lists shown in a period, for the panels that read the log itself rather than the rollups.
CREATE INDEX impressions_by_time ON impressions (ts_ms);
