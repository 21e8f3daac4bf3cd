-- A linear contextual bandit per surface, versioned like models: what it has learned is the
-- ridge statistics A = lambda I + sum x x^T (`gram`, dimension x dimension little-endian
-- doubles, row-major) over every candidate its lists displayed, and b = sum r x (`rewards`)
-- over the clicks, carts and purchases that followed them (by request id). Displays and
-- outcomes are folded in from the impression log and the events after the watermarks
-- (`impressions_through`, `events_through`), so that the state survives restarts and any
-- process may bring it up to date. `config` holds what fixes the features: lambda, the prior's
-- weight on the model's order and the main countries, in order. One active version per
-- surface; a reset retires it and starts afresh.
CREATE TABLE bandit_versions (
    version             INTEGER PRIMARY KEY,
    surface             TEXT NOT NULL CHECK (surface IN ('recommendations', 'similar')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_ms          INTEGER NOT NULL,
    updated_ms          INTEGER NOT NULL,
    config              TEXT NOT NULL CHECK (json_valid(config)),
    dimension           INTEGER NOT NULL CHECK (dimension > 0),
    gram                BLOB NOT NULL CHECK (length(gram) = 8 * dimension * dimension),
    rewards             BLOB NOT NULL CHECK (length(rewards) = 8 * dimension),
    displays            INTEGER NOT NULL DEFAULT 0,
    outcomes            INTEGER NOT NULL DEFAULT 0,
    reward_total        REAL NOT NULL DEFAULT 0,
    impressions_through INTEGER NOT NULL,
    events_through      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX bandit_versions_one_active ON bandit_versions (surface) WHERE status = 'active';

-- The bandits as a person reads them at the sqlite3 prompt.
CREATE VIEW bandit_history AS
SELECT version, surface, status,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_ms / 1000.0, 'unixepoch') AS created_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_ms / 1000.0, 'unixepoch') AS updated_at,
       json_extract(config, '$.lambda') AS lambda,
       json_extract(config, '$.countries') AS countries,
       displays, outcomes, reward_total,
       CASE WHEN displays > 0 THEN reward_total / displays END AS reward_per_display
FROM bandit_versions;

-- Since this version an exploring list's record (impressions.exploration) also holds what a bandit
-- reads, so that any list can be learned from, replayed and weighed for another policy: "context"
-- ({"hour", "weekday", "device", "country"}), "arms" (per pool item: [popularity 0-1, price band
-- 0-4, category bucket or -1]), and for a bandit's list its policy's parameter, "bandit_version"
-- and "state_through" ([impression_pk, event_pk] the state had folded in when it decided).
