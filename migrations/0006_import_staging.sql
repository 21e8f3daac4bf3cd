-- Kindred schema, version 6: imports staged beside a running server.
-- Same conventions as version 1. This file never changes once shipped.

-- SQLite lets one connection write at a time. An import into a file that `kindred serve` is
-- using cannot hold that lock for the whole file (two million events, a catalog of 100,000
-- products or 150,000 consent decisions take longer than any request may wait), yet it must stay all-or-nothing. So such
-- an import of events (see ImportStaging in the code):
--   1. stages its parsed rows here, a slice per short transaction, under a stage in state
--      'staging' that nothing else reads; consent is applied and each row keyed as it is
--      staged; people and items are named by pseudonym and id, so no profile or catalog row
--      comes into being yet;
--   2. if the file is refused, deletes what it staged, slice by slice: nothing else changed;
--   3. otherwise publishes it in one tiny transaction (state 'published'): from then on the
--      import is committed and will be filed whatever happens to the process;
--   4. files the published rows into `events` a slice per short transaction (finding or
--      creating people and items, duplicates, profiles), as the server files its inbox, and
--      counts what it did on the stage row; the last step deletes the stage and writes the
--      import's row in `jobs` and its audit entry.
-- A catalog import reads and merges the whole file first (the last row for a product wins),
-- stages one row per product in `import_staged_items`, publishes, and applies them to `items`
-- slice by slice, then recounts favourite categories if a product changed category.
-- Consent decisions are staged and applied like events, in `import_staged_consents`.
-- An interrupted import is finished (published) or cleaned up (staging) by the next import
-- or server start. Erasure deletes a person's staged rows with the rest of their data.
CREATE TABLE import_stages (
    stage_pk     INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('events', 'catalog', 'consents')),
    file         TEXT NOT NULL,                      -- as given to `kindred import`
    format       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('staging', 'published')),
    started_ms   INTEGER NOT NULL,                   -- also the received_ms of every event it files
    published_ms INTEGER,
    rejects_file TEXT,
    -- What staging counted, then what filing did so far (the import's summary when it ends).
    rows_read    INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    imported     INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    anonymized   INTEGER NOT NULL DEFAULT 0,
    withheld     INTEGER NOT NULL DEFAULT 0,
    new_users    INTEGER NOT NULL DEFAULT 0,
    new_items    INTEGER NOT NULL DEFAULT 0,
    updated_items INTEGER NOT NULL DEFAULT 0,
    categories_changed INTEGER NOT NULL DEFAULT 0 CHECK (categories_changed IN (0, 1)),
    max_event_pk INTEGER
) STRICT;

-- One parsed event per row, in file order, with the columns of an EventDraft: admitted by
-- consent and keyed (events.event_key) as staged, in file order, as one transaction would.
CREATE TABLE import_staged_events (
    staged_pk       INTEGER PRIMARY KEY,
    stage_pk        INTEGER NOT NULL REFERENCES import_stages (stage_pk),
    event_key       INTEGER NOT NULL,
    source_event_id TEXT,
    type            TEXT NOT NULL,
    user_pseudonym  TEXT,
    item_id         TEXT,
    session_id      TEXT,
    ts_ms           INTEGER NOT NULL,
    value           REAL,
    price           REAL,
    device          TEXT,
    country         TEXT,
    region          TEXT,
    local_hour      INTEGER,
    referrer        TEXT,
    experiment      TEXT,
    variant         TEXT,
    request_id      TEXT,
    latitude        REAL,
    longitude       REAL
) STRICT;

-- One merged product per row, in the order the file first named it, as `items` takes it
-- (tags as JSON array text, attributes as JSON object text to merge).
CREATE TABLE import_staged_items (
    staged_pk  INTEGER PRIMARY KEY,
    stage_pk   INTEGER NOT NULL REFERENCES import_stages (stage_pk),
    item_id    TEXT NOT NULL,
    title      TEXT,
    category   TEXT,
    tags       TEXT,
    price      REAL,
    in_stock   INTEGER,
    attributes TEXT
) STRICT;

-- One parsed consent decision per row, in file order (people by pseudonym, as above).
CREATE TABLE import_staged_consents (
    staged_pk      INTEGER PRIMARY KEY,
    stage_pk       INTEGER NOT NULL REFERENCES import_stages (stage_pk),
    user_pseudonym TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    granted        INTEGER NOT NULL,
    decided_ms     INTEGER NOT NULL,
    source         TEXT,
    policy_version TEXT
) STRICT;
