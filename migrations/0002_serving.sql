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

-- What was shown: one row per recommendation response, its items in order as a JSON array
-- ([{"item_id", "score", "explored", "probability", "reason"}, ...]), so that clicks and
-- purchases that carry the response's request_id can be attributed to the slate, position and
-- model that produced them (view impression_outcomes, one row per item shown). Written by the
-- same group commit as events, one row per response: logging costs the response nothing.
CREATE TABLE impressions (
    impression_pk  INTEGER PRIMARY KEY,                                    -- grows with time
    request_id     TEXT NOT NULL UNIQUE,
    ts_ms          INTEGER NOT NULL,
    user_pk        INTEGER REFERENCES users (user_pk) ON DELETE CASCADE,   -- NULL: anonymous, or no analytics consent
    surface        TEXT NOT NULL CHECK (surface IN ('recommendations', 'similar')),
    anchor_item_id TEXT,                                                   -- the item a similar-items slate is for
    model_version  INTEGER,                                                -- NULL: no model was active
    personalized   INTEGER NOT NULL CHECK (personalized IN (0, 1)),
    items          TEXT NOT NULL CHECK (json_valid(items) AND json_type(items) = 'array')
) STRICT;
CREATE INDEX impressions_by_user ON impressions (user_pk) WHERE user_pk IS NOT NULL;

-- Later events name the response they follow.
CREATE INDEX events_by_request ON events (request_id) WHERE request_id IS NOT NULL;

-- Each shown item with what followed it: clicks, carts and purchases of the same item that
-- carry the response's request_id. `explored` marks an exploration pick and `probability` the
-- chance the policy gave the item its place (1 for a deterministic ranking): the ground for
-- click-through rates, experiments and off-policy evaluation.
CREATE VIEW impression_outcomes AS
SELECT i.request_id,
       strftime('%Y-%m-%dT%H:%M:%fZ', i.ts_ms / 1000.0, 'unixepoch') AS shown_at,
       i.surface, i.anchor_item_id, i.user_pk, i.model_version, i.personalized,
       j.key + 1 AS position,
       json_extract(j.value, '$.item_id') AS item_id,
       json_extract(j.value, '$.score') AS score,
       json_extract(j.value, '$.explored') AS explored,
       json_extract(j.value, '$.probability') AS probability,
       json_extract(j.value, '$.reason') AS reason,
       (SELECT count(*) FROM events AS e JOIN items AS it USING (item_pk)
        WHERE e.request_id = i.request_id AND it.item_id = json_extract(j.value, '$.item_id') AND e.type = 'click') AS clicks,
       (SELECT count(*) FROM events AS e JOIN items AS it USING (item_pk)
        WHERE e.request_id = i.request_id AND it.item_id = json_extract(j.value, '$.item_id') AND e.type = 'add_to_cart') AS carts,
       (SELECT count(*) FROM events AS e JOIN items AS it USING (item_pk)
        WHERE e.request_id = i.request_id AND it.item_id = json_extract(j.value, '$.item_id') AND e.type = 'purchase') AS purchases
FROM impressions AS i, json_each(i.items) AS j;

-- Keys as a person may list them: never the hash.
CREATE VIEW api_keys_readable AS
SELECT key_id, role, label,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_ms / 1000.0, 'unixepoch') AS created_at,
       CASE WHEN revoked_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', revoked_ms / 1000.0, 'unixepoch') END AS revoked_at
FROM api_keys;
