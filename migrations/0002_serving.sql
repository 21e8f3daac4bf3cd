-- Kindred schema, version 2: what `kindred serve` needs beside the data.
-- Same conventions as version 1. This file never changes once shipped.

-- Items taken out of the catalog through the API while events still refer to them: kept as
-- history, out of stock, never recommended; a later catalog import or PUT brings them back.
ALTER TABLE items ADD COLUMN removed_ms INTEGER;

-- API keys. Only a SHA-256 of each key is kept: a copied database file lets nobody in.
-- `key_id` is the key's public prefix, shown in lists, logs and the audit log.
CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('public', 'admin')),
    secret_hash TEXT NOT NULL UNIQUE,                -- hex SHA-256 of the whole key
    label       TEXT,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
) STRICT;

-- What was shown: one row per item of every recommendation response, so that clicks and
-- purchases that carry the response's request_id can be attributed to the slate, position
-- and model that produced them. Written by the same group commit as events.
CREATE TABLE impressions (
    impression_pk  INTEGER PRIMARY KEY,
    request_id     TEXT NOT NULL,
    ts_ms          INTEGER NOT NULL,
    user_pk        INTEGER REFERENCES users (user_pk) ON DELETE CASCADE,   -- NULL: anonymous
    surface        TEXT NOT NULL CHECK (surface IN ('recommendations', 'similar')),
    anchor_item_pk INTEGER REFERENCES items (item_pk) ON DELETE CASCADE,   -- the item a similar-items slate is for
    position       INTEGER NOT NULL CHECK (position >= 1),
    item_pk        INTEGER NOT NULL REFERENCES items (item_pk) ON DELETE CASCADE,
    score          REAL NOT NULL,
    model_version  INTEGER,                                                -- NULL: no model was active
    personalized   INTEGER NOT NULL CHECK (personalized IN (0, 1)),
    explored       INTEGER NOT NULL DEFAULT 0 CHECK (explored IN (0, 1)), -- an exploration pick
    probability    REAL NOT NULL DEFAULT 1 CHECK (probability > 0 AND probability <= 1), -- of showing it here
    reason         TEXT,
    UNIQUE (request_id, position)
) STRICT;
CREATE INDEX impressions_by_time ON impressions (ts_ms);
CREATE INDEX impressions_by_user ON impressions (user_pk) WHERE user_pk IS NOT NULL;

-- Later events name the response they follow.
CREATE INDEX events_by_request ON events (request_id) WHERE request_id IS NOT NULL;

-- Each shown item with what followed it: clicks, carts and purchases of the same item that
-- carry the response's request_id. The ground for click-through rates and experiments.
CREATE VIEW impression_outcomes AS
SELECT i.request_id,
       strftime('%Y-%m-%dT%H:%M:%fZ', i.ts_ms / 1000.0, 'unixepoch') AS shown_at,
       i.surface, i.position, it.item_id, i.score, i.model_version, i.personalized,
       i.explored, i.probability, i.reason,
       (SELECT count(*) FROM events AS e WHERE e.request_id = i.request_id AND e.item_pk = i.item_pk AND e.type = 'click') AS clicks,
       (SELECT count(*) FROM events AS e WHERE e.request_id = i.request_id AND e.item_pk = i.item_pk AND e.type = 'add_to_cart') AS carts,
       (SELECT count(*) FROM events AS e WHERE e.request_id = i.request_id AND e.item_pk = i.item_pk AND e.type = 'purchase') AS purchases
FROM impressions AS i
JOIN items AS it ON it.item_pk = i.item_pk;

-- Keys as a person may list them: never the hash.
CREATE VIEW api_keys_readable AS
SELECT key_id, role, label,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_ms / 1000.0, 'unixepoch') AS created_at,
       CASE WHEN revoked_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', revoked_ms / 1000.0, 'unixepoch') END AS revoked_at
FROM api_keys;
