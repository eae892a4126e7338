-- Tamper-evident audit log (R33): each event carries the hash of the previous one; the head of
-- the chain is one row, locked by every append, so the chain never forks.
ALTER TABLE audit_events ADD COLUMN prev_hash text NULL;
ALTER TABLE audit_events ADD COLUMN hash text NULL;
CREATE TABLE audit_head (
    id     integer PRIMARY KEY,
    count  bigint NOT NULL,
    hash   text NOT NULL,
    CONSTRAINT audit_head_single CHECK (id = 1)
);
INSERT INTO audit_head (id, count, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
