-- Kindred schema, version 4: the server's event inbox.
-- Same conventions as version 1. This file never changes once shipped.

-- Events the server has acknowledged and not yet filed into `events`. Under load, `kindred
-- serve` commits each group of requests here first: appending rows to a table without
-- secondary indexes writes a few pages per commit, where filing the same events into
-- `events` dirties a page of every index (per person, per item) for nearly every event. The
-- server files the inbox into `events` in large batches: at once when it is quiet, otherwise
-- every two seconds or so, and at start and stop; until then an event is already safe on disk
-- here. Columns as in `events`, with their keys resolved and the person already pseudonymized
-- and consent applied. An erased person's rows go with their profile.
CREATE TABLE event_inbox (
    inbox_pk    INTEGER PRIMARY KEY,               -- arrival order
    event_key   INTEGER NOT NULL,
    source_event_id TEXT,
    type        TEXT NOT NULL REFERENCES event_types (type),
    user_pk     INTEGER REFERENCES users (user_pk) ON DELETE CASCADE,
    item_pk     INTEGER REFERENCES items (item_pk),
    session_id  TEXT,
    ts_ms       INTEGER NOT NULL,
    value       REAL,
    price       REAL,
    device      TEXT REFERENCES device_classes (device),
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
