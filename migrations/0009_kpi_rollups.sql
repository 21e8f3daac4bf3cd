-- Kindred schema, version 9: daily KPIs kept as rollups, so that a report over millions of events
-- reads a few hundred rows. Same conventions as version 1. This file never changes once shipped.

-- The context a response was served in, so that impressions roll up by device and country as the
-- events that follow them do. NULL when the request did not say (and for older impressions).
ALTER TABLE impressions ADD COLUMN device TEXT;
ALTER TABLE impressions ADD COLUMN country TEXT;

-- What KPIs are broken down by. `per_item` dimensions split a response's impressions by the items
-- shown (their category, their position); the others count each response once.
CREATE TABLE kpi_dimensions (
    dimension TEXT PRIMARY KEY,
    per_item  INTEGER NOT NULL CHECK (per_item IN (0, 1)),
    meaning   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO kpi_dimensions (dimension, per_item, meaning) VALUES
    ('all', 0, 'everything; value is empty'),
    ('device', 0, 'the device class of the request or event; empty when it did not say'),
    ('country', 0, 'the country of the request or event; empty when it did not say'),
    ('category', 1, 'the category of the item shown or acted on; empty for items without one'),
    ('surface', 0, 'recommendations or similar: the kind of response; events count only when they follow one'),
    ('position', 1, 'the place of the item in the response, 1 first; events count only when they follow one'),
    ('model', 0, 'the model version that served the response, empty for none; events count only when they follow one'),
    ('variant', 0, 'experiment/variant that decided the response; events count only when they follow one');

-- One row per UTC day, dimension and value. Filing adds each batch of events to it in the same
-- transaction that moves the events into `events` (imports likewise), and each group commit adds
-- the impressions it logs. Counts are kept when events are later erased or expire: they name
-- nobody. `kindred kpis --rebuild` recounts from what is stored now.
--   lists, impressions      responses and items shown (lists is 0 for category, which splits responses)
--   events .. purchases      events by type; revenue is purchases minus returns (price x quantity)
--   dwell_*                 dwell events with a usable value, and their seconds
--   rec_*                   the same for events that carry the request id of a logged response
CREATE TABLE kpi_rollups (
    day            INTEGER NOT NULL,                    -- days since 1970-01-01, UTC
    dimension      TEXT NOT NULL REFERENCES kpi_dimensions (dimension),
    value          TEXT NOT NULL,
    lists          INTEGER NOT NULL DEFAULT 0,
    impressions    INTEGER NOT NULL DEFAULT 0,
    events         INTEGER NOT NULL DEFAULT 0,
    views          INTEGER NOT NULL DEFAULT 0,
    clicks         INTEGER NOT NULL DEFAULT 0,
    carts          INTEGER NOT NULL DEFAULT 0,
    purchases      INTEGER NOT NULL DEFAULT 0,
    revenue        REAL NOT NULL DEFAULT 0,
    dwell_seconds  REAL NOT NULL DEFAULT 0,
    dwell_events   INTEGER NOT NULL DEFAULT 0,
    rec_clicks     INTEGER NOT NULL DEFAULT 0,
    rec_carts      INTEGER NOT NULL DEFAULT 0,
    rec_purchases  INTEGER NOT NULL DEFAULT 0,
    rec_revenue    REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (dimension, day, value)
) STRICT, WITHOUT ROWID;

-- Each event with what it counts under and what it adds: what filing sums into the rollups for
-- the events it filed (`WHERE event_pk > ?`), and what a rebuild sums for all. An event follows a
-- response when its request id names a logged one; surface, position (the place of its item in
-- that response), model and variant are NULL when it does not.
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

-- Each logged response once per dimension it counts in: whole for the response's own dimensions,
-- item by item for category and position.
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

-- What was stored before this version, counted once: events grouped by everything they count
-- under first (a few thousand groups a day), then each group once per dimension.
WITH grouped AS (
    SELECT day, device, country, category, surface, position, model, variant,
           count(*) AS events, sum(views) AS views, sum(clicks) AS clicks, sum(carts) AS carts, sum(purchases) AS purchases,
           total(revenue) AS revenue, total(dwell_seconds) AS dwell_seconds, sum(dwell_events) AS dwell_events,
           sum(followed AND clicks) AS rec_clicks, sum(followed AND carts) AS rec_carts, sum(followed AND purchases) AS rec_purchases,
           total(CASE WHEN followed THEN revenue ELSE 0 END) AS rec_revenue
    FROM kpi_event_rows
    GROUP BY day, device, country, category, surface, position, model, variant
)
INSERT INTO kpi_rollups (day, dimension, value, events, views, clicks, carts, purchases, revenue, dwell_seconds, dwell_events,
                         rec_clicks, rec_carts, rec_purchases, rec_revenue)
SELECT g.day, d.dimension,
       CASE d.dimension WHEN 'all' THEN '' WHEN 'device' THEN g.device WHEN 'country' THEN g.country WHEN 'category' THEN g.category
            WHEN 'surface' THEN g.surface WHEN 'position' THEN g.position WHEN 'model' THEN g.model WHEN 'variant' THEN g.variant END AS value,
       sum(g.events), sum(g.views), sum(g.clicks), sum(g.carts), sum(g.purchases), total(g.revenue), total(g.dwell_seconds),
       sum(g.dwell_events), sum(g.rec_clicks), sum(g.rec_carts), sum(g.rec_purchases), total(g.rec_revenue)
FROM grouped AS g CROSS JOIN kpi_dimensions AS d
WHERE value IS NOT NULL
GROUP BY g.day, d.dimension, value;

INSERT INTO kpi_rollups (day, dimension, value, lists, impressions)
SELECT day, dimension, value, sum(lists), sum(impressions)
FROM kpi_impression_facts
WHERE value IS NOT NULL
GROUP BY day, dimension, value
ON CONFLICT (dimension, day, value) DO UPDATE SET lists = lists + excluded.lists, impressions = impressions + excluded.impressions;

-- Daily KPIs as a person reads them, for every dimension: click-through rate (clicks on
-- recommendations per item shown), conversion (purchases that followed a recommendation per
-- click on one), and revenue that followed recommendations with its share of all revenue.
CREATE VIEW daily_kpis_by AS
SELECT date(day * 86400, 'unixepoch') AS day,
       dimension, value,
       lists, impressions,
       rec_clicks AS recommendation_clicks,
       CASE WHEN impressions > 0 THEN 1.0 * rec_clicks / impressions END AS ctr,
       rec_carts AS recommendation_carts,
       rec_purchases AS recommendation_purchases,
       CASE WHEN rec_clicks > 0 THEN 1.0 * rec_purchases / rec_clicks END AS conversion,
       rec_revenue AS recommendation_revenue,
       CASE WHEN revenue > 0 AND dimension IN ('all', 'device', 'country', 'category') THEN rec_revenue / revenue END AS revenue_share,
       events, views, clicks, carts, purchases, revenue,
       CASE WHEN dwell_events > 0 THEN dwell_seconds / dwell_events END AS mean_dwell_seconds
FROM kpi_rollups;

-- The same for the whole shop, one row per day.
CREATE VIEW daily_kpis AS
SELECT day, lists, impressions, recommendation_clicks, ctr, recommendation_carts, recommendation_purchases, conversion,
       recommendation_revenue, revenue_share, events, views, clicks, carts, purchases, revenue, mean_dwell_seconds
FROM daily_kpis_by
WHERE dimension = 'all';
