-- Kindred schema, version 5: less to maintain for every event the server files.
-- Same conventions as version 1. This file never changes once shipped.

-- Under load, keeping `events_by_item_time` current was more than a third of the cost of filing
-- an event: events arrive in time order but for items all over the catalog, so nearly every
-- event dirtied a page of this index of its own, and every page dirtied is written to the WAL
-- and again to the database. No query that runs often reads events by item: training and
-- statistics scan events whole, fold-in and erasure read them by person. What remains is
-- removing an item from the catalog, which now finds whether events refer to it by scanning
-- them (a fraction of a second per million events, for a call an administrator makes by hand).
DROP INDEX events_by_item_time;

-- The inbox checked every row against `event_types`, `items` and `device_classes`, which
-- filing checks again when the row moves into `events`. Rebuilt with the reference to the
-- person alone, which erasure and export follow; same columns, same order.
CREATE TABLE event_inbox_new (
    inbox_pk    INTEGER PRIMARY KEY,               -- arrival order
    event_key   INTEGER NOT NULL,
    source_event_id TEXT,
    type        TEXT NOT NULL,
    user_pk     INTEGER REFERENCES users (user_pk) ON DELETE CASCADE,
    item_pk     INTEGER,
    session_id  TEXT,
    ts_ms       INTEGER NOT NULL,
    value       REAL,
    price       REAL,
    device      TEXT,
    country     TEXT,
    region      TEXT,
    local_hour  INTEGER CHECK (local_hour BETWEEN 0 AND 23),
    referrer    TEXT,
    experiment  TEXT,
    variant     TEXT,
    request_id  TEXT,
    received_ms INTEGER NOT NULL,
    latitude    REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude   REAL CHECK (longitude BETWEEN -180 AND 180)
) STRICT;
INSERT INTO event_inbox_new SELECT * FROM event_inbox ORDER BY inbox_pk;
DROP TABLE event_inbox;
ALTER TABLE event_inbox_new RENAME TO event_inbox;
