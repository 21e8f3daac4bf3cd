-- Kindred schema, version 22: what the dashboard (/dashboard) reads. Every stored experiment
-- report kept, not only the latest, so that an effect and its interval can be drawn over the life
-- of an experiment; the KPI rollups broken down by content block and by the hour a list was
-- served too, so that click-through by block and by hour reads a few rows per day; and the
-- impression log indexed by time, so that the panels that still read it (the items clicked
-- least) read only their period. Same conventions as version 1. This file never changes once
-- shipped.

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
    adjusted_p_value  REAL,
    sequential_p_value REAL,
    PRIMARY KEY (experiment_pk, metric, computed_ms, variant)
) STRICT, WITHOUT ROWID;

-- The reports stored before this version start the history.
INSERT INTO experiment_report_history (experiment_pk, computed_ms, variant, metric, people, mean, absolute_effect, absolute_ci_low,
    absolute_ci_high, absolute_p_value, relative_effect, relative_ci_low, relative_ci_high, relative_p_value, method, cuped_reduction,
    srm_p_value, level)
SELECT experiment_pk, computed_ms, variant, metric, people, mean, absolute_effect, absolute_ci_low, absolute_ci_high,
       absolute_p_value, relative_effect, relative_ci_low, relative_ci_high, relative_p_value, method, cuped_reduction,
       srm_p_value, level
FROM experiment_report_rows;

-- What a report says beyond the test of each comparison alone, stored beside it so that every
-- number of the report can be read (and drawn) from the database: the p-value after the
-- correction for several comparisons, when one was asked for, and the always-valid p-value of
-- the sequential test, which may be acted on at any look. NULL in reports stored before.
ALTER TABLE experiment_report_rows ADD COLUMN adjusted_p_value REAL;
ALTER TABLE experiment_report_rows ADD COLUMN sequential_p_value REAL;

DROP VIEW experiment_results;
CREATE VIEW experiment_results AS
SELECT e.key AS experiment,
       r.variant, r.metric, r.people, r.mean,
       r.absolute_effect, r.absolute_ci_low, r.absolute_ci_high, r.absolute_p_value,
       r.relative_effect, r.relative_ci_low, r.relative_ci_high, r.relative_p_value,
       r.method, r.cuped_reduction, r.srm_p_value, r.srm_p_value < 0.001 AS srm_flagged, r.level,
       strftime('%Y-%m-%dT%H:%M:%fZ', r.computed_ms / 1000.0, 'unixepoch') AS computed_at,
       r.adjusted_p_value, r.sequential_p_value, r.sequential_p_value < 1 - r.level AS sequential_significant
FROM experiment_report_rows AS r
JOIN experiments AS e USING (experiment_pk);

-- Lists shown in a period, for the panels that read the log itself rather than the rollups.
CREATE INDEX impressions_by_time ON impressions (ts_ms);

-- Two more breakdowns of the rollups, both of the response an event follows.
INSERT INTO kpi_dimensions (dimension, per_item, meaning) VALUES
    ('block', 0, 'the content block of a page response (home and product pages); events count only when they follow one'),
    ('hour', 0, 'the UTC hour (0 to 23) a response was served; events count only when they follow one');

-- The views of version 9 with the two breakdowns (each a column the rollups group by).
DROP VIEW kpi_event_rows;
CREATE VIEW kpi_event_rows AS
SELECT e.event_pk,
       e.ts_ms / 86400000 AS day,
       coalesce(e.device, '') AS device,
       coalesce(e.country, '') AS country,
       coalesce(it.category, '') AS category,
       i.surface,
       CASE WHEN i.impression_pk IS NOT NULL THEN
           (SELECT CAST(j.key + 1 AS TEXT) FROM json_each(i.items) AS j
            WHERE json_extract(j.value, '$.item_id') = it.item_id ORDER BY j.key LIMIT 1)
       END AS position,
       CASE WHEN i.impression_pk IS NOT NULL THEN coalesce(CAST(i.model_version AS TEXT), '') END AS model,
       i.experiment || '/' || i.variant AS variant,
       i.block,
       CASE WHEN i.impression_pk IS NOT NULL THEN CAST((i.ts_ms / 3600000) % 24 AS TEXT) END AS hour,
       e.type = 'view' AS views,
       e.type = 'click' AS clicks,
       e.type = 'add_to_cart' AS carts,
       e.type = 'purchase' AS purchases,
       CASE e.type WHEN 'purchase' THEN 1 WHEN 'return' THEN -1 ELSE 0 END * coalesce(e.price, 0) * coalesce(e.value, 1) AS revenue,
       CASE WHEN e.type = 'dwell' AND e.value >= 0 THEN e.value ELSE 0 END AS dwell_seconds,
       e.type = 'dwell' AND coalesce(e.value >= 0, 0) AS dwell_events,
       i.impression_pk IS NOT NULL AS followed
FROM events AS e
LEFT JOIN items AS it ON it.item_pk = e.item_pk
LEFT JOIN impressions AS i ON e.request_id IS NOT NULL AND i.request_id = e.request_id;

DROP VIEW kpi_impression_facts;
CREATE VIEW kpi_impression_facts AS
SELECT i.impression_pk,
       i.ts_ms / 86400000 AS day,
       d.dimension,
       CASE d.dimension
           WHEN 'all' THEN ''
           WHEN 'device' THEN coalesce(i.device, '')
           WHEN 'country' THEN coalesce(i.country, '')
           WHEN 'surface' THEN i.surface
           WHEN 'model' THEN coalesce(CAST(i.model_version AS TEXT), '')
           WHEN 'variant' THEN i.experiment || '/' || i.variant
           WHEN 'block' THEN i.block
           WHEN 'hour' THEN CAST((i.ts_ms / 3600000) % 24 AS TEXT)
       END AS value,
       1 AS lists,
       json_array_length(i.items) AS impressions
FROM impressions AS i CROSS JOIN kpi_dimensions AS d
WHERE d.per_item = 0
UNION ALL
SELECT i.impression_pk,
       i.ts_ms / 86400000 AS day,
       d.dimension,
       CASE d.dimension WHEN 'category' THEN coalesce(it.category, '') ELSE CAST(j.key + 1 AS TEXT) END AS value,
       d.dimension = 'position' AS lists,
       1 AS impressions
FROM impressions AS i
CROSS JOIN json_each(i.items) AS j
LEFT JOIN items AS it ON it.item_id = json_extract(j.value, '$.item_id')
CROSS JOIN kpi_dimensions AS d
WHERE d.per_item = 1;

-- What was stored before this version, counted for the two breakdowns: only events that follow
-- a logged response count in them, so only those are read (by request id).
INSERT INTO kpi_rollups (day, dimension, value, events, views, clicks, carts, purchases, revenue, dwell_seconds, dwell_events,
                         rec_clicks, rec_carts, rec_purchases, rec_revenue)
SELECT r.day, d.dimension, CASE d.dimension WHEN 'block' THEN r.block ELSE r.hour END AS value,
       count(*), sum(r.views), sum(r.clicks), sum(r.carts), sum(r.purchases), total(r.revenue), total(r.dwell_seconds),
       sum(r.dwell_events), sum(r.followed AND r.clicks), sum(r.followed AND r.carts), sum(r.followed AND r.purchases),
       total(CASE WHEN r.followed THEN r.revenue ELSE 0 END)
FROM kpi_event_rows AS r CROSS JOIN kpi_dimensions AS d
WHERE d.dimension IN ('block', 'hour') AND value IS NOT NULL
  AND r.event_pk IN (SELECT e.event_pk FROM impressions AS i JOIN events AS e ON e.request_id = i.request_id)
GROUP BY r.day, d.dimension, value;

INSERT INTO kpi_rollups (day, dimension, value, lists, impressions)
SELECT day, dimension, value, sum(lists), sum(impressions)
FROM kpi_impression_facts
WHERE dimension IN ('block', 'hour') AND value IS NOT NULL
GROUP BY day, dimension, value
ON CONFLICT (dimension, day, value) DO UPDATE SET lists = lists + excluded.lists, impressions = impressions + excluded.impressions;
