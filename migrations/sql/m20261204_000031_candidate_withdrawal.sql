-- Issue 26, point 1: a school withdraws a candidate (with a reason) until certificates are
-- issued. The candidate stays on record as withdrawn, with their results, and is left out of
-- results entry, publicity, the report and issuance. The same person may be listed again in the
-- same plan: the rule "once per plan, occupation, work type and level" counts only candidates
-- not withdrawn.
ALTER TABLE candidates ADD COLUMN withdrawn_at timestamptz NULL;
ALTER TABLE candidates ADD COLUMN withdrawal_reason text NULL;
ALTER TABLE candidates ADD COLUMN withdrawn_by uuid NULL CONSTRAINT candidates_withdrawn_by_fkey REFERENCES users (id);
DROP INDEX candidates_once_key;
CREATE UNIQUE INDEX candidates_once_key ON candidates (plan_id, id_hash, occupation_code, work_type, level)
    WHERE withdrawn_at IS NULL;
