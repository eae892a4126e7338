-- A checkpoint is added after the latest, never beyond the chain's head, and never changed.
CREATE FUNCTION audit_checkpoints_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT'
       OR NEW.count > (SELECT count FROM audit_head WHERE id = 1)
       OR NEW.count <= (SELECT COALESCE(MAX(count), -1) FROM audit_checkpoints) THEN
        RAISE EXCEPTION 'audit checkpoints are only appended, within the chain (R33)';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_checkpoints_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_guard();

-- The lock's counter goes with it (SQLite keeps the column: a table CHECK names it there).
ALTER TABLE users DROP COLUMN failed_logins;
