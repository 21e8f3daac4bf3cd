-- Kindred schema, version 7: user tokens, and keys for a shop's backend.
-- Same conventions as version 1. This file never changes once shipped.

-- The secrets a shop's backend signs user tokens with (HMAC-SHA256 over the person's id and an
-- expiry; format in README "User tokens"). A public key acts for a named person only with such
-- a token. One secret is current (retired_ms IS NULL); `kindred tokens secret` makes a new one
-- current and keeps the one before valid until valid_until_ms, so that pages already holding
-- tokens signed with it keep working while the backend switches. The secret itself is here, as
-- the server must recompute signatures: the file is the shop's, and so is the secret.
CREATE TABLE token_secrets (
    secret_id      TEXT PRIMARY KEY,                 -- public name: ts_<hex>
    secret         TEXT NOT NULL UNIQUE,
    created_ms     INTEGER NOT NULL,
    retired_ms     INTEGER,                          -- when a newer secret replaced it
    valid_until_ms INTEGER,                          -- end of the grace period after retirement
    CHECK ((retired_ms IS NULL) = (valid_until_ms IS NULL))
) STRICT;
CREATE UNIQUE INDEX token_secrets_one_current ON token_secrets ((1)) WHERE retired_ms IS NULL;

-- Secrets as a person may list them: never the secret.
CREATE VIEW token_secrets_readable AS
SELECT secret_id,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_ms / 1000.0, 'unixepoch') AS created_at,
       CASE WHEN retired_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', retired_ms / 1000.0, 'unixepoch') END AS retired_at,
       CASE WHEN valid_until_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', valid_until_ms / 1000.0, 'unixepoch') END AS valid_until
FROM token_secrets;

-- A third role, ingest: a shop's backend that posts events and consents for its customers
-- (no tokens needed) and reads nothing. The role's CHECK is part of the table, so the table is
-- rebuilt with the same columns in the same order, and its view with it.
DROP VIEW api_keys_readable;
CREATE TABLE api_keys_new (
    key_id      TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('public', 'ingest', 'admin')),
    secret_hash TEXT NOT NULL UNIQUE,                -- hex SHA-256 of the whole key
    label       TEXT,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
) STRICT;
INSERT INTO api_keys_new SELECT * FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;

-- Keys as a person may list them: never the hash.
CREATE VIEW api_keys_readable AS
SELECT key_id, role, label,
       strftime('%Y-%m-%dT%H:%M:%fZ', created_ms / 1000.0, 'unixepoch') AS created_at,
       CASE WHEN revoked_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', revoked_ms / 1000.0, 'unixepoch') END AS revoked_at
FROM api_keys;
