-- The audit log becomes tamper-evident: each row carries `hash`, the lower-case hex SHA-256 of
-- the previous row's hash and this row's own fields (see AuditChain), so that editing,
-- removing or slipping in a row breaks the chain from there on (`kindred audit verify`).
-- Rows written before this migration have no hash until the next entry is appended, which
-- seals them in order first: edits made to them before that cannot be told.
ALTER TABLE audit_log ADD COLUMN hash TEXT CHECK (hash IS NULL OR length(hash) = 64);

-- Still append-only, except that a row without a hash may be given one, once, unchanged.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.audit_pk = OLD.audit_pk AND NEW.at_ms = OLD.at_ms
          AND NEW.actor = OLD.actor AND NEW.action = OLD.action AND NEW.details = OLD.details)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
