-- Issue 26, point 8: resident ID numbers encrypted at rest (persistence::sealed). Each table that
-- held an `id_number` now holds it sealed (`id_sealed`, XChaCha20-Poly1305 under the data key),
-- a keyed hash for exact lookups and the uniqueness rules (`id_hash`, HMAC-SHA-256 under the
-- lookup key) and the masked form answers show (`id_masked`).
--
-- SQL cannot seal (the key is the server's, not the database's): this migration renames the
-- column, so the numbers written before it are still in clear in `id_sealed` with `id_hash`
-- NULL, and the server seals them at start-up, before it listens (api::use_case::data_key), in
-- batches, each one transaction. `id_hash` stays NULL only until then; NULLs never collide in
-- the unique indexes below.
ALTER TABLE candidates RENAME COLUMN id_number TO id_sealed;
ALTER TABLE candidates ADD COLUMN id_hash text NULL;
ALTER TABLE candidates ADD COLUMN id_masked text NULL;
ALTER TABLE certificates RENAME COLUMN id_number TO id_sealed;
ALTER TABLE certificates ADD COLUMN id_hash text NULL;
ALTER TABLE certificates ADD COLUMN id_masked text NULL;
ALTER TABLE personnel RENAME COLUMN id_number TO id_sealed;
ALTER TABLE personnel ADD COLUMN id_hash text NULL;
ALTER TABLE personnel ADD COLUMN id_masked text NULL;

-- One valid certificate per person, occupation, work type and level (000024), by the hash.
DROP INDEX certificates_one_valid;
CREATE UNIQUE INDEX certificates_one_valid ON certificates (id_hash, occupation_code, work_type, level)
    WHERE status = 'valid';
-- Searching certificates by ID number (any status).
CREATE INDEX certificates_holder ON certificates (id_hash);

-- Which lookup key made the hashes: a start with another one re-hashes every number first.
CREATE TABLE data_key_state (
    name  text PRIMARY KEY,
    value text NOT NULL
);
