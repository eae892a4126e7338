-- PostgreSQL: a candidate's plan is checked once per statement, by a set-based query over the
-- inserted or updated rows, instead of by a foreign-key trigger that looks up and locks the plan
-- row once per candidate: an import of 100,000 candidates paid that 100,000 times
-- (docs/PERFORMANCE.md). Plans are never deleted (the R32 triggers of migration 10), so a
-- reference that holds when written holds for good and needs no lock. The same reasoning as for
-- certificates in migration 14; SQLite keeps its foreign key.
ALTER TABLE candidates DROP CONSTRAINT candidates_plan_fkey;

CREATE FUNCTION candidates_check_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.id = w.plan_id)) THEN
        RAISE EXCEPTION 'candidate of an unknown plan'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'candidates_plan_fkey';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER candidates_plan_inserted AFTER INSERT ON candidates
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION candidates_check_plan();
CREATE TRIGGER candidates_plan_updated AFTER UPDATE ON candidates
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION candidates_check_plan();
