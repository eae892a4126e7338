-- PostgreSQL: the statement-level reference check of certificates (migration 14) looks up each
-- distinct institution and plan once. A statement of issuance writes up to 1,000 certificates of
-- one institution and one plan, and the check looked both up once per row: about two thirds of
-- the trigger's time (docs/PERFORMANCE.md). Candidates differ row by row and are looked up as
-- before.
CREATE OR REPLACE FUNCTION certificates_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT institution_id FROM written) w
               WHERE NOT EXISTS (SELECT 1 FROM institutions i WHERE i.id = w.institution_id)) THEN
        RAISE EXCEPTION 'certificate of an unknown institution'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'certificates_institution_fkey';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT plan_id FROM written) w
               WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.id = w.plan_id)) THEN
        RAISE EXCEPTION 'certificate of an unknown plan'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'certificates_plan_fkey';
    END IF;
    IF EXISTS (SELECT 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM candidates c WHERE c.id = w.candidate_id)) THEN
        RAISE EXCEPTION 'certificate of an unknown candidate'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'certificates_candidate_fkey';
    END IF;
    RETURN NULL;
END
$$;
