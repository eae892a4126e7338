-- Issue 22, point 4: failed sign-ins are counted per account *and* client address (and per
-- address over all accounts), each key with a delay that doubles past a free allowance. This
-- replaces locking an account after five failures from anywhere, which let anyone on the
-- internet keep any account (admin included) locked for ever.
CREATE TABLE sign_in_failures (
    key            text PRIMARY KEY,
    failures       integer NOT NULL,
    blocked_until  timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_updated_idx ON sign_in_failures (updated_at);
-- Locks set by the old rule end now.
UPDATE users SET failed_logins = 0, locked_until = NULL;
