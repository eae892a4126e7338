-- Foundation: districts, user accounts and the audit log.
-- Portable SQL for PostgreSQL and SQLite; placeholders are rendered per backend (src/lib.rs).
-- Statuses and roles are text with named CHECK constraints, never native enums.

CREATE TABLE districts (
    code            text PRIMARY KEY,
    name            text NOT NULL,
    kind            text NOT NULL,
    -- Set for codes that were abolished (e.g. 500105 江北区 and 500112 渝北区 on 2025-11-06).
    abolished_on    date NULL,
    successor_code  text NULL,
    CONSTRAINT districts_code_check CHECK (length(code) = 6 AND code LIKE '50%'),
    CONSTRAINT districts_kind_check CHECK (kind IN ('district', 'county', 'autonomous_county'))
);

CREATE TABLE users (
    id               uuid PRIMARY KEY,
    username         text NOT NULL,
    display_name     text NOT NULL,
    role             text NOT NULL,
    district_code    text NULL CONSTRAINT users_district_code_fkey REFERENCES districts (code),
    -- A school account's school; the schools table arrives with institution filing.
    school_id        uuid NULL,
    password_hash    text NOT NULL,
    disabled         boolean NOT NULL DEFAULT false,
    -- Failed logins since the last success; the lock is shared by every replica.
    failed_logins    integer NOT NULL DEFAULT 0,
    locked_until     timestamptz NULL,
    -- Bumped when a password is reset or a role binding changes: older tokens stop working.
    auth_generation  integer NOT NULL DEFAULT 0,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_role_check CHECK (role IN ('bureau', 'centre', 'district', 'school', 'expert')),
    CONSTRAINT users_district_binding_check CHECK ((role = 'district') = (district_code IS NOT NULL)),
    CONSTRAINT users_school_binding_check CHECK (role = 'school' OR school_id IS NULL),
    CONSTRAINT users_failed_logins_check CHECK (failed_logins >= 0)
);

CREATE INDEX users_role_idx ON users (role, username);

-- Append-only record of every state change (R33). One row per change, written in the same
-- transaction as the change itself.
CREATE TABLE audit_events (
    seq             @SERIAL_PK@,
    id              uuid NOT NULL,
    occurred_at     timestamptz NOT NULL,
    request_id      text NOT NULL,
    actor_id        uuid NULL,
    actor_username  text NULL,
    actor_role      text NULL,
    action          text NOT NULL,
    target_type     text NOT NULL,
    target_id       text NOT NULL,
    -- What changed, without secrets or ID numbers.
    summary         @JSON@ NOT NULL,
    CONSTRAINT audit_events_id_key UNIQUE (id)
);

CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action_idx ON audit_events (action, seq);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, seq);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at, seq);
