-- Kindred schema, version 11: the feature store. Per person and per item, daily sums of what they
-- did, kept as events are filed, from which every behavioural feature is computed as of any
-- moment. Same conventions as version 1. This file never changes once shipped.
--
-- Why daily sums rather than a row of finished features: a feature "as of" a time must use only
-- what happened before it (no leakage into what trains on it), and a window such as "events in
-- the last 7 days" changes every day without any event. Sums per day give both: features as of
-- day D add up the days before D; features now add up every day. Days are UTC.

-- Each event about a known person, with what it adds to their sums: what filing folds into the
-- tables below for the events it filed (`WHERE event_pk > ?`), and what a rebuild folds for all.
--   hour     the visitor's local hour when the page said, else the UTC hour
--   weekday  Monday to Friday, by the UTC date
--   price    the event's own price, else the item's current one
--   discounted  a purchase of an item the catalog marks as on sale (attributes on_sale, or a
--               compare_at_price above the price paid)
CREATE VIEW person_event_rows AS
SELECT e.event_pk, e.user_pk, e.ts_ms,
       e.ts_ms / 86400000 AS day,
       coalesce(e.session_id, '') AS session,
       coalesce(it.category, '') AS category,
       e.type = 'view' AS views,
       e.type = 'click' AS clicks,
       e.type = 'add_to_cart' AS carts,
       e.type = 'purchase' AS purchases,
       e.type = 'return' AS returns,
       CASE e.type WHEN 'purchase' THEN 1 WHEN 'return' THEN -1 ELSE 0 END * coalesce(e.price, 0) * coalesce(e.value, 1) AS revenue,
       e.type = 'dwell' AND coalesce(e.value >= 0, 0) AS dwell_events,
       CASE WHEN e.type = 'dwell' AND e.value >= 0 THEN e.value ELSE 0 END AS dwell_seconds,
       e.type = 'scroll' AND coalesce(e.value BETWEEN 0 AND 1, 0) AS scroll_events,
       CASE WHEN e.type = 'scroll' AND e.value BETWEEN 0 AND 1 THEN e.value ELSE 0 END AS scroll_depth,
       coalesce(coalesce(e.price, it.price) > 0, 0) AS priced_events,
       CASE WHEN coalesce(e.price, it.price) > 0 THEN coalesce(e.price, it.price) ELSE 0 END AS price_sum,
       coalesce(e.local_hour, (e.ts_ms / 3600000) % 24) AS hour,
       (e.ts_ms / 86400000 + 4) % 7 BETWEEN 1 AND 5 AS weekday,
       coalesce(e.device, '') AS device,
       coalesce(e.country, '') AS country,
       coalesce(e.region, '') AS region,
       e.type = 'purchase' AND coalesce(
           json_extract(it.attributes, '$.on_sale') IN (1, 'true', 'yes', 'y')
           OR json_extract(it.attributes, '$.compare_at_price') > coalesce(e.price, it.price), 0) AS discounted
FROM events AS e
LEFT JOIN items AS it ON it.item_pk = e.item_pk
-- The + keeps SQLite from reading this through the index on user_pk, which would walk every
-- event of every known person: filing's `event_pk > ?` must be a range of rowids.
WHERE +e.user_pk IS NOT NULL;

-- One row per person and day they did anything. last_* describe the day's latest event (the row
-- max(ts_ms) picks).
CREATE TABLE person_days (
    user_pk         INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    day             INTEGER NOT NULL,                 -- days since 1970-01-01, UTC
    events          INTEGER NOT NULL DEFAULT 0,
    views           INTEGER NOT NULL DEFAULT 0,
    clicks          INTEGER NOT NULL DEFAULT 0,
    carts           INTEGER NOT NULL DEFAULT 0,
    purchases       INTEGER NOT NULL DEFAULT 0,
    returns         INTEGER NOT NULL DEFAULT 0,
    discounted      INTEGER NOT NULL DEFAULT 0,       -- purchases of items on sale
    revenue         REAL NOT NULL DEFAULT 0,          -- purchases less returns, price x quantity
    dwell_events    INTEGER NOT NULL DEFAULT 0,
    dwell_seconds   REAL NOT NULL DEFAULT 0,
    scroll_events   INTEGER NOT NULL DEFAULT 0,
    scroll_depth    REAL NOT NULL DEFAULT 0,          -- sum of depths 0..1
    priced_events   INTEGER NOT NULL DEFAULT 0,
    price_sum       REAL NOT NULL DEFAULT 0,
    night           INTEGER NOT NULL DEFAULT 0,       -- events by hour: 0-5
    morning         INTEGER NOT NULL DEFAULT 0,       -- 6-11
    afternoon       INTEGER NOT NULL DEFAULT 0,       -- 12-17
    evening         INTEGER NOT NULL DEFAULT 0,       -- 18-23
    weekday         INTEGER NOT NULL DEFAULT 0,       -- events Monday to Friday
    desktop         INTEGER NOT NULL DEFAULT 0,       -- events by device class
    mobile          INTEGER NOT NULL DEFAULT 0,
    tablet          INTEGER NOT NULL DEFAULT 0,
    last_ms         INTEGER NOT NULL,
    last_device     TEXT NOT NULL DEFAULT '',
    last_country    TEXT NOT NULL DEFAULT '',
    last_region     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_pk, day)
) STRICT, WITHOUT ROWID;

-- Per person, category and day: category affinity.
CREATE TABLE person_category_days (
    user_pk   INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    category  TEXT NOT NULL,                          -- empty for items without one
    day       INTEGER NOT NULL,
    events    INTEGER NOT NULL DEFAULT 0,
    purchases INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_pk, category, day)
) STRICT, WITHOUT ROWID;

-- Per person, session and day: sessions, orders and abandoned carts, counted exactly (a session
-- that runs past midnight has a row on each day and counts once). Events without a session id
-- count as one session per day (session '').
CREATE TABLE person_session_days (
    user_pk   INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    session   TEXT NOT NULL,
    day       INTEGER NOT NULL,
    events    INTEGER NOT NULL DEFAULT 0,
    carts     INTEGER NOT NULL DEFAULT 0,
    purchases INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_pk, session, day)
) STRICT, WITHOUT ROWID;

-- Per item and day, anonymous events included: popularity, trend and conversion.
CREATE TABLE item_days (
    item_pk   INTEGER NOT NULL REFERENCES items (item_pk),
    day       INTEGER NOT NULL,
    events    INTEGER NOT NULL DEFAULT 0,
    views     INTEGER NOT NULL DEFAULT 0,
    clicks    INTEGER NOT NULL DEFAULT 0,
    carts     INTEGER NOT NULL DEFAULT 0,
    purchases INTEGER NOT NULL DEFAULT 0,
    revenue   REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (item_pk, day)
) STRICT, WITHOUT ROWID;

-- What was stored before this version, folded once (the same statements filing runs, over all).
INSERT INTO person_days (user_pk, day, events, views, clicks, carts, purchases, returns, discounted, revenue, dwell_events,
                         dwell_seconds, scroll_events, scroll_depth, priced_events, price_sum, night, morning, afternoon,
                         evening, weekday, desktop, mobile, tablet, last_ms, last_device, last_country, last_region)
SELECT user_pk, day, count(*), sum(views), sum(clicks), sum(carts), sum(purchases), sum(returns), sum(discounted), total(revenue),
       sum(dwell_events), total(dwell_seconds), sum(scroll_events), total(scroll_depth), sum(priced_events), total(price_sum),
       sum(hour BETWEEN 0 AND 5), sum(hour BETWEEN 6 AND 11), sum(hour BETWEEN 12 AND 17), sum(hour BETWEEN 18 AND 23),
       sum(weekday), sum(device = 'desktop'), sum(device = 'mobile'), sum(device = 'tablet'), max(ts_ms),
       device, country, region
FROM person_event_rows
GROUP BY user_pk, day;

INSERT INTO person_category_days (user_pk, category, day, events, purchases)
SELECT user_pk, category, day, count(*), sum(purchases)
FROM person_event_rows
GROUP BY user_pk, category, day;

INSERT INTO person_session_days (user_pk, session, day, events, carts, purchases)
SELECT user_pk, session, day, count(*), sum(carts), sum(purchases)
FROM person_event_rows
GROUP BY user_pk, session, day;

INSERT INTO item_days (item_pk, day, events, views, clicks, carts, purchases, revenue)
SELECT item_pk, ts_ms / 86400000, count(*), sum(type = 'view'), sum(type = 'click'), sum(type = 'add_to_cart'),
       sum(type = 'purchase'),
       total(CASE type WHEN 'purchase' THEN 1 WHEN 'return' THEN -1 ELSE 0 END * coalesce(price, 0) * coalesce(value, 1))
FROM events
WHERE item_pk IS NOT NULL
GROUP BY item_pk, ts_ms / 86400000;
