-- The uniqueness rules on the ID number move to the hash, under the same names.
ALTER TABLE candidates DROP CONSTRAINT candidates_once_key;
CREATE UNIQUE INDEX candidates_once_key ON candidates (plan_id, id_hash, occupation_code, work_type, level);
ALTER TABLE personnel DROP CONSTRAINT personnel_person_key;
CREATE UNIQUE INDEX personnel_person_key ON personnel (kind, id_hash);
