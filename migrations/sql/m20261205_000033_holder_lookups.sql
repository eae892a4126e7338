-- Issue 26, point 8: issuance within its target with sealed ID numbers. Each certificate was
-- written into two indexes keyed by the ID number's hash, at random places: the partial unique
-- `certificates_one_valid` (one valid certificate per person, occupation, work type and level)
-- and `certificates_holder` (searching by ID number, any status). One index now does both: the
-- last column is 1 for a valid certificate and NULL otherwise, and NULLs never collide in a
-- unique index (SQLite and PostgreSQL alike), so only valid certificates are held to one per
-- person, while a search by hash finds every certificate by the leading column. The hashes
-- themselves are shorter from this version on (persistence::sealed: 128 bits, base64url), made
-- again at the first start.
DROP INDEX certificates_holder;
DROP INDEX certificates_one_valid;
CREATE UNIQUE INDEX certificates_one_valid ON certificates
    (id_hash, occupation_code, work_type, level, (CASE WHEN status = 'valid' THEN 1 END));

-- Issue 26, point 6: a district office searches the certificates of the institutions in its
-- district and of the holders registered there: the address code of the holder's ID number
-- (its first six digits, GB/T 2260), written at issuance; certificates issued before are given
-- theirs at the next start, which opens their numbers anyway to re-hash them. Not indexed: a
-- district's search is a scan of its certificates, and an index here would be written by every
-- issuance.
ALTER TABLE certificates ADD COLUMN id_region text NULL;
