-- Certificates (Annex 5, 6): one gapless serial counter per institution and issue year, the
-- certificate records (a snapshot of the holder's data, signed), and idempotency keys.

CREATE TABLE certificate_counters (
    institution_id  uuid NOT NULL CONSTRAINT certificate_counters_institution_fkey REFERENCES institutions (id),
    issue_year      integer NOT NULL,
    last_serial     integer NOT NULL,
    PRIMARY KEY (institution_id, issue_year),
    CONSTRAINT certificate_counters_range CHECK (last_serial BETWEEN 0 AND 999999)
);

CREATE TABLE certificates (
    id                uuid PRIMARY KEY,
    code              text NOT NULL,
    institution_id    uuid NOT NULL CONSTRAINT certificates_institution_fkey REFERENCES institutions (id),
    plan_id           uuid NOT NULL CONSTRAINT certificates_plan_fkey REFERENCES plans (id),
    candidate_id      uuid NOT NULL CONSTRAINT certificates_candidate_fkey REFERENCES candidates (id),
    issue_year        integer NOT NULL,
    serial            integer NOT NULL,
    holder_name       text NOT NULL,
    gender            text NOT NULL,
    id_number         text NOT NULL,
    occupation_code   text NOT NULL,
    occupation_name   text NOT NULL,
    work_type         text NOT NULL,
    level             text NOT NULL,
    institution_name  text NOT NULL,
    issue_date        date NOT NULL,
    photo_key         text NULL,
    status            text NOT NULL,
    revoked_reason    text NULL,
    revoked_at        timestamptz NULL,
    supersedes_id     uuid NULL,
    verify_token      text NOT NULL,
    key_id            text NOT NULL,
    signature         text NOT NULL,
    created_at        timestamptz NOT NULL,
    CONSTRAINT certificates_code_key UNIQUE (code),
    CONSTRAINT certificates_serial_key UNIQUE (institution_id, issue_year, serial),
    CONSTRAINT certificates_token_key UNIQUE (verify_token),
    CONSTRAINT certificates_status_check CHECK (status IN ('valid', 'revoked', 'superseded')),
    CONSTRAINT certificates_serial_range CHECK (serial BETWEEN 1 AND 999999)
);
-- One original certificate per candidate; reissues point to what they supersede.
CREATE UNIQUE INDEX certificates_candidate_once ON certificates (candidate_id) WHERE supersedes_id IS NULL;
CREATE INDEX certificates_plan_idx ON certificates (plan_id, serial);

-- Idempotency keys of creating requests: a retried request returns the stored answer.
CREATE TABLE idempotency_keys (
    caller_id     uuid NOT NULL,
    key           text NOT NULL,
    route         text NOT NULL,
    request_hash  text NOT NULL,
    status        integer NULL,
    response      @JSON@ NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (caller_id, key)
);
