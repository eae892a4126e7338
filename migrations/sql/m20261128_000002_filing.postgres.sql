-- PostgreSQL: the code registry is append-only (R10, R13).
CREATE FUNCTION institution_codes_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'institution codes are never deleted (R10, R13)';
    END IF;
    IF NEW.code <> OLD.code OR NEW.serial <> OLD.serial OR NEW.assigned_at <> OLD.assigned_at THEN
        RAISE EXCEPTION 'an institution code never changes (R10)';
    END IF;
    IF OLD.retired_at IS NOT NULL AND NEW.retired_at IS DISTINCT FROM OLD.retired_at THEN
        RAISE EXCEPTION 'a retired code stays retired (R13)';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER institution_codes_guard BEFORE UPDATE OR DELETE ON institution_codes
    FOR EACH ROW EXECUTE FUNCTION institution_codes_guard();
