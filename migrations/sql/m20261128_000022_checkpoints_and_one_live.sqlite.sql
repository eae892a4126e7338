-- A checkpoint is added after the latest, never beyond the chain's head, and never changed.
CREATE TRIGGER audit_checkpoints_append BEFORE INSERT ON audit_checkpoints
WHEN NEW.count > (SELECT count FROM audit_head WHERE id = 1)
    OR NEW.count <= (SELECT COALESCE(MAX(count), -1) FROM audit_checkpoints)
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are only appended, within the chain (R33)');
END;
CREATE TRIGGER audit_checkpoints_kept_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are only appended, within the chain (R33)');
END;
CREATE TRIGGER audit_checkpoints_kept_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are only appended, within the chain (R33)');
END;
