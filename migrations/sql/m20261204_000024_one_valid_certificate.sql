-- Issue 25, point 9: one valid certificate per person (resident ID number), occupation, work
-- type and level, across plans and institutions. Issuance refuses a candidate who already holds
-- one (409 naming its code); this index is the check that holds when two issuances race. A
-- reissue supersedes the old certificate before the new one is written, a revoked or superseded
-- certificate no longer counts. It also serves the lookups by ID number of valid certificates.
CREATE UNIQUE INDEX certificates_one_valid ON certificates (id_number, occupation_code, work_type, level)
    WHERE status = 'valid';
