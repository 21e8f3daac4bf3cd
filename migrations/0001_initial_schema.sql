-- Kindred schema, version 1: the whole product's tables, designed up front.
--
-- Conventions, so that a person at the sqlite3 prompt can read any table:
--   * every time column is Unix milliseconds (UTC) in an INTEGER whose name ends in _ms;
--     the views below add ISO-8601 text beside them;
--   * every surrogate key is `<table>_pk`; the shop's own identifiers keep their names
--     (item_id, experiment key);
--   * users are pseudonymous: `users.pseudonym` is HMAC-SHA256(raw id) under a key kept outside
--     this file, so nothing here names a person; erasing a user cascades through every
--     table whose rows are about them (columns named user_pk);
--   * JSON columns hold JSON text and are named for what they hold (attributes, details, metrics).
-- This file never changes once shipped: later changes are new migrations.

-- Key/value configuration that belongs with the data (consent modes, retention, weights).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;

-- The catalog. Items referenced by events before the catalog names them are created with
-- catalog_ms NULL ("seen in events only"), so that no event is lost for want of a catalog row.
CREATE TABLE items (
    item_pk     INTEGER PRIMARY KEY,
    item_id     TEXT NOT NULL UNIQUE,              -- the shop's own id (SKU, StockCode)
    title       TEXT,
    category    TEXT,                              -- one path, e.g. 'home/kitchen'
    tags        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    price       REAL,                              -- the shop's current price (adjustment lines may be negative)
    in_stock    INTEGER NOT NULL DEFAULT 1 CHECK (in_stock IN (0, 1)),
    attributes  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes) AND json_type(attributes) = 'object'),
    catalog_ms  INTEGER,                           -- last catalog import or update; NULL: seen in events only
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX items_by_category ON items (category);

-- Pseudonymous profiles, one per person who ever sent an event or a consent, kept current as
-- events arrive: what segments and the dashboard read first.
CREATE TABLE users (
    user_pk              INTEGER PRIMARY KEY,
    pseudonym            TEXT NOT NULL UNIQUE,      -- hex HMAC-SHA256 of the raw id; never the raw id
    first_seen_ms        INTEGER,
    last_seen_ms         INTEGER,
    events               INTEGER NOT NULL DEFAULT 0,
    views                INTEGER NOT NULL DEFAULT 0,
    clicks               INTEGER NOT NULL DEFAULT 0,
    dwells               INTEGER NOT NULL DEFAULT 0,
    scrolls              INTEGER NOT NULL DEFAULT 0,
    add_to_carts         INTEGER NOT NULL DEFAULT 0,
    remove_from_carts    INTEGER NOT NULL DEFAULT 0,
    purchases            INTEGER NOT NULL DEFAULT 0,
    returns              INTEGER NOT NULL DEFAULT 0,
    impressions          INTEGER NOT NULL DEFAULT 0,
    searches             INTEGER NOT NULL DEFAULT 0,
    ratings              INTEGER NOT NULL DEFAULT 0,
    revenue              REAL NOT NULL DEFAULT 0,   -- sum of price * quantity over purchases minus returns
    last_device          TEXT,
    last_country         TEXT,
    favourite_categories TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(favourite_categories)),
    created_ms           INTEGER NOT NULL,
    updated_ms           INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_last_seen ON users (last_seen_ms);

-- The kinds of event Kindred understands, for reading and for the events.type foreign key.
-- (A lookup table rather than CHECK (type IN (...)): SQLite builds a temporary b-tree for an
-- IN list on every row it checks, which made imports a third slower.)
CREATE TABLE event_types (
    type        TEXT PRIMARY KEY,
    description TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO event_types (type, description) VALUES
    ('view', 'a product page was seen'),
    ('click', 'a product link or recommendation was clicked'),
    ('dwell', 'time spent on a product page; value = seconds'),
    ('scroll', 'how far down a product page the person scrolled; value = depth 0..1'),
    ('add_to_cart', 'put in the cart; value = quantity'),
    ('remove_from_cart', 'taken out of the cart; value = quantity'),
    ('purchase', 'bought; value = quantity, price = unit price'),
    ('return', 'returned or cancelled; value = quantity'),
    ('impression', 'shown in a list or a recommendation slot, not necessarily noticed'),
    ('search', 'a search; item optional'),
    ('rating', 'an explicit rating; value = stars');

-- Device classes events are folded into.
CREATE TABLE device_classes (
    device      TEXT PRIMARY KEY,
    description TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO device_classes (device, description) VALUES
    ('desktop', 'desktop or laptop browser'),
    ('mobile', 'phone'),
    ('tablet', 'tablet'),
    ('tv', 'television or console'),
    ('bot', 'crawler or automated client'),
    ('other', 'anything else');

-- Everything people did: one row per event, context in proper columns. Anonymous events
-- (user_pk NULL) still count for popularity and co-occurrence. (ts_ms, event_key) makes
-- imports idempotent: event_key is a 64-bit digest of the event's content (or of its source
-- id) and of its occurrence number among identical rows, so that re-importing a file stores
-- nothing twice while genuinely repeated rows in one file are all kept. Leading with the time
-- keeps inserts near the end of the index and serves time-range scans as well. An event that
-- carries its source's id is stored once per id, even if a later export corrects its time.
CREATE TABLE events (
    event_pk    INTEGER PRIMARY KEY,               -- grows with arrival; training windows cite it
    event_key   INTEGER NOT NULL,
    source_event_id TEXT,                          -- the exporting system's own id, when it has one
    type        TEXT NOT NULL REFERENCES event_types (type),
    user_pk     INTEGER REFERENCES users (user_pk) ON DELETE CASCADE,
    item_pk     INTEGER REFERENCES items (item_pk),
    session_id  TEXT,
    ts_ms       INTEGER NOT NULL,
    value       REAL,                              -- dwell seconds, scroll depth 0..1, quantity, rating
    price       REAL,                              -- unit price at the time of the event
    device      TEXT REFERENCES device_classes (device),
    country     TEXT,
    region      TEXT,
    local_hour  INTEGER CHECK (local_hour BETWEEN 0 AND 23),
    referrer    TEXT,
    experiment  TEXT,
    variant     TEXT,
    request_id  TEXT,                              -- the recommendation response this event follows
    received_ms INTEGER NOT NULL,
    UNIQUE (ts_ms, event_key)
) STRICT;
CREATE UNIQUE INDEX events_by_source_id ON events (source_event_id) WHERE source_event_id IS NOT NULL;
CREATE INDEX events_by_user_time ON events (user_pk, ts_ms) WHERE user_pk IS NOT NULL;
CREATE INDEX events_by_item_time ON events (item_pk, ts_ms);

-- Consent decisions, append-only: one row per decision, never edited. The current state is the
-- latest decision per user and purpose (view current_consents).
CREATE TABLE consents (
    consent_pk     INTEGER PRIMARY KEY,
    user_pk        INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,                  -- personalization, analytics, experiments, ...
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    decided_ms     INTEGER NOT NULL,
    source         TEXT,                           -- banner, account settings, import file, api
    policy_version TEXT,
    recorded_ms    INTEGER NOT NULL,
    UNIQUE (user_pk, purpose, decided_ms, granted)
) STRICT;
CREATE TRIGGER consents_are_append_only BEFORE UPDATE ON consents
BEGIN
    SELECT RAISE(ABORT, 'consents are append-only: record a new decision instead');
END;

-- Named groups of users (behavioral, contextual, clustered or hand-made).
CREATE TABLE segments (
    segment_pk   INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('behavioral', 'contextual', 'cluster', 'manual')),
    definition   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(definition)),
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
) STRICT;

-- Who is in which segment, since when, and how strongly.
CREATE TABLE segment_members (
    segment_pk INTEGER NOT NULL REFERENCES segments (segment_pk) ON DELETE CASCADE,
    user_pk    INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    score      REAL,
    since_ms   INTEGER NOT NULL,
    PRIMARY KEY (segment_pk, user_pk)
) STRICT, WITHOUT ROWID;
CREATE INDEX segment_members_by_user ON segment_members (user_pk);

-- Trained models: one row per version with what it was trained on and how well it did.
-- Exactly one version is active at a time (enforced by the partial unique index).
CREATE TABLE model_versions (
    version           INTEGER PRIMARY KEY,
    algorithm         TEXT NOT NULL,
    hyperparameters   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(hyperparameters)),
    data_max_event_pk INTEGER,                     -- newest event the model saw
    data_from_ms      INTEGER,
    data_to_ms        INTEGER,
    users             INTEGER NOT NULL DEFAULT 0,
    items             INTEGER NOT NULL DEFAULT 0,
    interactions      INTEGER NOT NULL DEFAULT 0,
    metrics           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
    training_seconds  REAL,
    status            TEXT NOT NULL CHECK (status IN ('training', 'ready', 'active', 'retired', 'rejected', 'failed')),
    status_reason     TEXT,
    created_ms        INTEGER NOT NULL,
    activated_ms      INTEGER
) STRICT;
CREATE UNIQUE INDEX one_active_model ON model_versions (status) WHERE status = 'active';

-- Per-item parameters of a version: little-endian Float32 vectors, one row per item, so that
-- a person can see which vector belongs to which product.
CREATE TABLE model_item_vectors (
    version INTEGER NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
    item_pk INTEGER NOT NULL REFERENCES items (item_pk) ON DELETE CASCADE,
    vector  BLOB NOT NULL,
    PRIMARY KEY (version, item_pk)
) STRICT, WITHOUT ROWID;

-- Per-user parameters of a version; erasing a user removes their vector with them.
CREATE TABLE model_user_vectors (
    version INTEGER NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
    user_pk INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    vector  BLOB NOT NULL,
    PRIMARY KEY (version, user_pk)
) STRICT, WITHOUT ROWID;
CREATE INDEX model_user_vectors_by_user ON model_user_vectors (user_pk);

-- Other named parameters of a version (neighbour lists, popularity tables, vocabularies).
CREATE TABLE model_artifacts (
    version  INTEGER NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    encoding TEXT NOT NULL,                        -- e.g. 'float32le', 'int64le', 'json'
    data     BLOB NOT NULL,
    PRIMARY KEY (version, name)
) STRICT, WITHOUT ROWID;

-- A/B tests and their variants.
CREATE TABLE experiments (
    experiment_pk INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    hypothesis    TEXT,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'running', 'stopped')),
    variants      TEXT NOT NULL CHECK (json_valid(variants)),  -- [{"name", "weight", "model_version"}]
    primary_kpi   TEXT,
    created_ms    INTEGER NOT NULL,
    started_ms    INTEGER,
    stopped_ms    INTEGER
) STRICT;

-- Which user saw which variant of which experiment (sticky).
CREATE TABLE assignments (
    experiment_pk INTEGER NOT NULL REFERENCES experiments (experiment_pk) ON DELETE CASCADE,
    user_pk       INTEGER NOT NULL REFERENCES users (user_pk) ON DELETE CASCADE,
    variant       TEXT NOT NULL,
    assigned_ms   INTEGER NOT NULL,
    PRIMARY KEY (experiment_pk, user_pk)
) STRICT, WITHOUT ROWID;
CREATE INDEX assignments_by_user ON assignments (user_pk);

-- Every administrative act, append-only: imports, training, activation, settings, erasure.
-- Entries about an erased person never name them.
CREATE TABLE audit_log (
    audit_pk INTEGER PRIMARY KEY,
    at_ms    INTEGER NOT NULL,
    actor    TEXT NOT NULL,                        -- 'cli', 'scheduler', 'api:<key name>'
    action   TEXT NOT NULL,
    details  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Runs of background and batch work: imports, training, purges, segment refreshes.
CREATE TABLE jobs (
    job_pk        INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,                   -- import_events, import_catalog, import_consents, train, ...
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    started_ms    INTEGER NOT NULL,
    finished_ms   INTEGER,
    details       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    error         TEXT,
    model_version INTEGER REFERENCES model_versions (version) ON DELETE SET NULL
) STRICT;
CREATE INDEX jobs_by_kind_time ON jobs (kind, started_ms);

-- Views for the sqlite3 prompt ------------------------------------------------------------

-- The latest decision per user and purpose.
CREATE VIEW current_consents AS
SELECT c.user_pk, u.pseudonym, c.purpose, c.granted, c.decided_ms,
       strftime('%Y-%m-%dT%H:%M:%fZ', c.decided_ms / 1000.0, 'unixepoch') AS decided_at,
       c.source, c.policy_version
FROM consents AS c
JOIN users AS u USING (user_pk)
WHERE c.consent_pk = (
    SELECT c2.consent_pk FROM consents AS c2
    WHERE c2.user_pk = c.user_pk AND c2.purpose = c.purpose
    ORDER BY c2.decided_ms DESC, c2.consent_pk DESC LIMIT 1
);

-- Events per UTC day and type, with how many distinct users and items they touched.
CREATE VIEW daily_event_counts AS
SELECT date(ts_ms / 1000, 'unixepoch') AS day, type, count(*) AS events,
       count(DISTINCT user_pk) AS users, count(DISTINCT item_pk) AS items
FROM events
GROUP BY day, type
ORDER BY day, type;

-- The model that serves recommendations now.
CREATE VIEW active_model AS
SELECT version, algorithm, hyperparameters, users, items, interactions, metrics, training_seconds,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_ms / 1000.0, 'unixepoch') AS created_at,
       strftime('%Y-%m-%dT%H:%M:%fZ', activated_ms / 1000.0, 'unixepoch') AS activated_at
FROM model_versions
WHERE status = 'active';

-- Events with readable times, item ids and pseudonyms instead of surrogate keys.
CREATE VIEW events_readable AS
SELECT e.event_pk, strftime('%Y-%m-%dT%H:%M:%fZ', e.ts_ms / 1000.0, 'unixepoch') AS at,
       e.type, u.pseudonym, i.item_id, i.title, e.session_id, e.value, e.price, e.device,
       e.country, e.region, e.local_hour, e.referrer, e.experiment, e.variant, e.request_id
FROM events AS e
LEFT JOIN users AS u USING (user_pk)
LEFT JOIN items AS i USING (item_pk);

-- How many users each segment holds.
CREATE VIEW segment_sizes AS
SELECT s.key, s.name, s.kind, count(m.user_pk) AS users
FROM segments AS s
LEFT JOIN segment_members AS m USING (segment_pk)
GROUP BY s.segment_pk
ORDER BY users DESC;

-- Users per experiment variant.
CREATE VIEW experiment_assignment_counts AS
SELECT x.key AS experiment, a.variant, count(*) AS users
FROM assignments AS a
JOIN experiments AS x USING (experiment_pk)
GROUP BY x.key, a.variant;

-- The most bought items, for a first look at a shop.
CREATE VIEW top_items AS
SELECT i.item_id, i.title, i.category,
       sum(e.type = 'purchase') AS purchases, sum(e.type = 'view') AS views,
       count(DISTINCT e.user_pk) AS users
FROM events AS e
JOIN items AS i USING (item_pk)
GROUP BY e.item_pk
ORDER BY purchases DESC, views DESC;
