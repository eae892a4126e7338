-- Issue 22, point 10: the database keeps the records honest on its own, whatever SQL is sent.

-- A cancelled (or merged) institution stays cancelled, and no institution takes a retired code.
CREATE FUNCTION institutions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'a cancelled or merged institution stays cancelled (R13, R14)';
    END IF;
    IF (TG_OP = 'INSERT' OR NEW.code <> OLD.code)
       AND EXISTS (SELECT 1 FROM institution_codes c WHERE c.code = NEW.code AND c.retired_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a retired institution code is never used again (R13)';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER institutions_guard BEFORE INSERT OR UPDATE ON institutions
    FOR EACH ROW EXECUTE FUNCTION institutions_guard();

-- Audit events are appended only as links of the chain: with both hashes, linked to the head,
-- after every event there is (R33).
CREATE FUNCTION audit_events_chain_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hash IS NULL OR NEW.prev_hash IS NULL
       OR NEW.prev_hash <> (SELECT hash FROM audit_head WHERE id = 1)
       OR NEW.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_events) THEN
        RAISE EXCEPTION 'audit events are appended only through the chain (R33)';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_chain_guard BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain_guard();

-- The chain's head only moves forward, one event at a time, and is never removed.
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.count < OLD.count OR NEW.count > OLD.count + 1 THEN
        RAISE EXCEPTION 'the audit chain head only moves forward (R33)';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
