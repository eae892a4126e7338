-- SQLite: the code registry is append-only (R10, R13).
CREATE TRIGGER institution_codes_no_delete BEFORE DELETE ON institution_codes
BEGIN
    SELECT RAISE(ABORT, 'institution codes are never deleted (R10, R13)');
END;
CREATE TRIGGER institution_codes_no_change BEFORE UPDATE ON institution_codes
WHEN NEW.code <> OLD.code OR NEW.serial <> OLD.serial OR NEW.assigned_at <> OLD.assigned_at
    OR (OLD.retired_at IS NOT NULL AND (NEW.retired_at IS NULL OR NEW.retired_at <> OLD.retired_at))
BEGIN
    SELECT RAISE(ABORT, 'an institution code never changes and a retired code stays retired (R10, R13)');
END;
