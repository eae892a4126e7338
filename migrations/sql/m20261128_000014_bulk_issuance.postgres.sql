-- PostgreSQL: a certificate's institution, plan and candidate are checked once per statement, by a
-- set-based query over the inserted or updated rows, instead of by three foreign-key triggers that
-- look up and lock the referenced row for every certificate: those took about 150 ms of a 10,000-
-- certificate issuance (docs/PERFORMANCE.md). Institutions, plans and candidates are never deleted
-- (the R32 triggers of migration 10 refuse it), so a reference that holds when written holds for
-- good and needs no lock. SQLite keeps its foreign keys: they cost it little.
ALTER TABLE certificates
    DROP CONSTRAINT certificates_institution_fkey,
    DROP CONSTRAINT certificates_plan_fkey,
    DROP CONSTRAINT certificates_candidate_fkey;

CREATE FUNCTION certificates_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM institutions i WHERE i.id = w.institution_id)) THEN
        RAISE EXCEPTION 'certificate of an unknown institution'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'certificates_institution_fkey';
    END IF;
    IF EXISTS (SELECT 1 FROM written w WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.id = w.plan_id)) THEN
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
CREATE TRIGGER certificates_references_inserted AFTER INSERT ON certificates
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION certificates_check_references();
CREATE TRIGGER certificates_references_updated AFTER UPDATE ON certificates
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION certificates_check_references();

-- Outbox payloads (up to 500 certificates each, written by skillcert and only ever read whole)
-- are kept as `json`, which the server only checks, not `jsonb`, which it also converts: about a
-- third less of its work per event. They are compressed with LZ4 where the server has it: pglz
-- took about 25 ms of a 10,000-certificate issuance.
ALTER TABLE outbox ALTER COLUMN payload TYPE json USING payload::json;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4;
    END IF;
END
$$;
