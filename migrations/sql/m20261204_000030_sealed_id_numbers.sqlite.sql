-- The uniqueness rules on the ID number move to the hash, under the same names. SQLite cannot
-- drop a table constraint: the old ones now span `id_sealed`, whose random nonces never repeat,
-- so they never refuse anything; these indexes are the rules.
CREATE UNIQUE INDEX candidates_once_key ON candidates (plan_id, id_hash, occupation_code, work_type, level);
CREATE UNIQUE INDEX personnel_person_key ON personnel (kind, id_hash);
