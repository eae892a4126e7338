-- Issue 22, point 10: the database keeps the records honest on its own, whatever SQL is sent.

-- A cancelled (or merged) institution stays cancelled, and no institution takes a retired code.
CREATE TRIGGER institutions_stay_cancelled BEFORE UPDATE OF status ON institutions
WHEN OLD.status = 'cancelled' AND NEW.status <> 'cancelled'
BEGIN
    SELECT RAISE(ABORT, 'a cancelled or merged institution stays cancelled (R13, R14)');
END;
CREATE TRIGGER institutions_no_retired_code_insert BEFORE INSERT ON institutions
WHEN EXISTS (SELECT 1 FROM institution_codes c WHERE c.code = NEW.code AND c.retired_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'a retired institution code is never used again (R13)');
END;
CREATE TRIGGER institutions_no_retired_code_update BEFORE UPDATE OF code ON institutions
WHEN NEW.code <> OLD.code
    AND EXISTS (SELECT 1 FROM institution_codes c WHERE c.code = NEW.code AND c.retired_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'a retired institution code is never used again (R13)');
END;

-- Audit events are appended only as links of the chain: with both hashes, linked to the head,
-- after every event there is (R33). (SQLite gives NEW.seq only when the insert names it.)
CREATE TRIGGER audit_events_chain_guard BEFORE INSERT ON audit_events
WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
    OR NEW.prev_hash <> (SELECT hash FROM audit_head WHERE id = 1)
    OR (NEW.seq > 0 AND NEW.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_events))
BEGIN
    SELECT RAISE(ABORT, 'audit events are appended only through the chain (R33)');
END;

-- The chain's head only moves forward, one event at a time, and is never removed.
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.count < OLD.count OR NEW.count > OLD.count + 1
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head only moves forward (R33)');
END;
CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head only moves forward (R33)');
END;
