-- Integration (issue 7): the outbox of events for the national platform, and machine clients.

-- One row per event, written in the transaction of the change it reports; delivered in `id` order
-- per institution by the worker of any replica. `locked_until` is the lease of the replica
-- delivering it.
CREATE TABLE outbox (
    id              @SERIAL_PK@,
    delivery_id     uuid NOT NULL CONSTRAINT outbox_delivery_key UNIQUE,
    event_type      text NOT NULL,
    institution_id  uuid NOT NULL,
    payload         @JSON@ NOT NULL,
    status          text NOT NULL CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    locked_until    timestamptz NULL,
    last_status     integer NULL,
    last_error      text NULL,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz NULL
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_institution_idx ON outbox (institution_id, status, id);

-- API clients of other systems (client credentials): the secret (32 random bytes) is stored as
-- its SHA-256, as it is too long to guess.
CREATE TABLE api_clients (
    id              uuid PRIMARY KEY,
    client_id       text NOT NULL CONSTRAINT api_clients_client_id_key UNIQUE,
    name            text NOT NULL,
    secret_hash     text NOT NULL,
    scopes          @JSON@ NOT NULL,
    created_by      uuid NOT NULL CONSTRAINT api_clients_user_fkey REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz NULL,
    last_used_at    timestamptz NULL
);
