-- Issue 22, points 5 and 10 (what the first pass left as a prior SELECT or outside the database).

-- One live (not cancelled) institution per school (R13): the index decides, not a SELECT before
-- the insert, so two concurrent decisions for one school cannot both create one.
CREATE UNIQUE INDEX institutions_one_live_per_school ON institutions (school_id) WHERE status <> 'cancelled';

-- Signed checkpoints of the audit chain (R33): the count of events and the head's hash at a
-- moment, signed with the certificate-signing key. A whole-chain verification holds the chain
-- against the latest one; rows are only ever added.
CREATE TABLE audit_checkpoints (
    count      bigint PRIMARY KEY,
    head_hash  text NOT NULL,
    taken_at   timestamptz NOT NULL,
    kid        text NOT NULL,
    signature  text NOT NULL,
    CONSTRAINT audit_checkpoints_count_check CHECK (count >= 0)
);

-- Failed sign-ins slow the address down (sign_in_failures) instead of locking the account.
ALTER TABLE users DROP COLUMN locked_until;
