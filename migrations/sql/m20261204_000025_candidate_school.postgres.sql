-- PostgreSQL: the candidate's school is checked with its plan, once per statement over the
-- written rows, not by a foreign-key trigger per candidate (the reasoning of migration 15: an
-- import of 100,000 candidates would look up and lock the school row 100,000 times). Schools are
-- never deleted (no route deletes one), so a reference that holds when written holds for good.
ALTER TABLE candidates DROP CONSTRAINT candidates_school_fkey;

CREATE OR REPLACE FUNCTION candidates_check_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.id = w.plan_id)) THEN
        RAISE EXCEPTION 'candidate of an unknown plan'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'candidates_plan_fkey';
    END IF;
    IF EXISTS (SELECT 1 FROM written w WHERE w.school_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.id = w.school_id)) THEN
        RAISE EXCEPTION 'candidate of an unknown school'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'candidates_school_fkey';
    END IF;
    RETURN NULL;
END
$$;
