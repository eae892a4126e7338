-- Fixed-window request counters shared by every replica (public verification, R31).
CREATE TABLE rate_limits (
    key           text PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    count         integer NOT NULL
);

-- Published certificate signing keys, kept after rotation so older certificates still verify.
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    public_key   text NOT NULL,
    usage        text NOT NULL,
    valid_from   timestamptz NOT NULL,
    valid_until  timestamptz NULL
);
