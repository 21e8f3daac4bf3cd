-- Kindred schema, version 3: what the privacy promises need.
-- Same conventions as version 1. This file never changes once shipped.

-- Where an event happened, coarsened at ingestion to 0.01 degree (about 1 km): precise
-- coordinates never reach the database.
ALTER TABLE events ADD COLUMN latitude REAL CHECK (latitude BETWEEN -90 AND 90);
ALTER TABLE events ADD COLUMN longitude REAL CHECK (longitude BETWEEN -180 AND 180);

-- What is left of events older than the retention period (settings retention.events_days):
-- counts per day, type, item, country and device, with nobody in them.
CREATE TABLE event_daily_aggregates (
    day      TEXT NOT NULL,                     -- YYYY-MM-DD, UTC
    type     TEXT NOT NULL REFERENCES event_types (type),
    item_id  TEXT NOT NULL DEFAULT '',          -- the shop's id ('' for searches)
    country  TEXT NOT NULL DEFAULT '',
    device   TEXT NOT NULL DEFAULT '',
    events   INTEGER NOT NULL,
    quantity REAL NOT NULL DEFAULT 0,           -- sum of value (quantities, seconds, ...)
    revenue  REAL NOT NULL DEFAULT 0,           -- purchases minus returns, price x quantity
    PRIMARY KEY (day, type, item_id, country, device)
) STRICT, WITHOUT ROWID;

-- Daily counts over what is still in events and what retention has folded away.
CREATE VIEW daily_event_totals AS
SELECT day, type, sum(events) AS events
FROM (
    SELECT strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch') AS day, type, count(*) AS events FROM events GROUP BY 1, 2
    UNION ALL
    SELECT day, type, sum(events) FROM event_daily_aggregates GROUP BY 1, 2
)
GROUP BY day, type;
