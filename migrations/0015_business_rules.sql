-- Kindred schema, version 15: business rules, with versions. Same conventions as version 1. This
-- file never changes once shipped.

-- One row per rule as the shop wrote it (README "Business rules" gives the language). A rule is
-- never edited: a change is a removal and an addition, so that every version of the rule set
-- can be rebuilt from the rows.
--   version     the rule set version the rule entered in
--   removed_in  the version it left in (NULL: in force)
CREATE TABLE rules (
    rule_pk     INTEGER PRIMARY KEY,
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    version     INTEGER NOT NULL,
    removed_in  INTEGER,
    created_ms  INTEGER NOT NULL,
    removed_ms  INTEGER
) STRICT;

-- One row per change of the rule set: what serving used from when, and who changed it.
CREATE TABLE rule_set_versions (
    version    INTEGER PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    change     TEXT NOT NULL                  -- "add 3, 4" or "remove 2"
) STRICT;

-- The rules in force, as the shell reads them.
CREATE VIEW rules_in_force AS
SELECT rule_pk AS id, text, version, strftime('%Y-%m-%dT%H:%M:%SZ', created_ms / 1000, 'unixepoch') AS added
FROM rules WHERE removed_in IS NULL ORDER BY rule_pk;

-- A device class for in-store screens, so that rules (and KPIs) can tell a kiosk from a phone.
INSERT INTO device_classes (device, description) VALUES ('kiosk', 'in-store kiosk or shared screen');
