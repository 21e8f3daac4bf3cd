-- Bandit logs from elsewhere (the Open Bandit Dataset, another system's bandit), imported by
-- `kindred import impressions FILE --format obd` so that `kindred policies evaluate --log NAME`
-- can estimate what another policy would have earned on their traffic. Kept apart from
-- `impressions`, which holds what this shop showed and what its KPIs count.
CREATE TABLE bandit_logs (
    log_pk         INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    format         TEXT NOT NULL CHECK (format IN ('obd')),
    source_file    TEXT NOT NULL,
    imported_ms    INTEGER NOT NULL,
    rounds         INTEGER NOT NULL,
    slots          INTEGER NOT NULL,
    -- The names of the context columns, in the order of each round's `context` array.
    context_fields TEXT NOT NULL CHECK (json_valid(context_fields) AND json_type(context_fields) = 'array'),
    -- Every item the policy could choose, in the order of each round's `affinity` floats.
    items          TEXT NOT NULL CHECK (json_valid(items) AND json_type(items) = 'array')
) STRICT;

-- One row per item shown in one slot: the behaviour policy's probability for it there
-- (`propensity`), the reward that followed, the context it was shown in and, when the log has
-- them, the person's affinity for every item (little-endian float32, one per entry of
-- bandit_logs.items).
CREATE TABLE bandit_log_rounds (
    log_pk      INTEGER NOT NULL REFERENCES bandit_logs (log_pk) ON DELETE CASCADE,
    round       INTEGER NOT NULL,          -- the row's order in the file, from 0
    ts_ms       INTEGER NOT NULL,
    item_id     TEXT NOT NULL,
    position    INTEGER NOT NULL CHECK (position >= 1),
    reward      REAL NOT NULL,
    propensity  REAL NOT NULL CHECK (propensity > 0 AND propensity <= 1),
    context     TEXT NOT NULL CHECK (json_valid(context) AND json_type(context) = 'array'),
    affinity    BLOB,
    PRIMARY KEY (log_pk, round)
) STRICT, WITHOUT ROWID;
