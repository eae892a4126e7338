-- Issue 27: the deployment's secrets for verifiable credentials. `status_lists` keys the
-- permutation of status-list indexes, `identity_salts` the salts of the holders' identity hashes.
-- Each is written once, at the first start (api::startup), and never changed: credentials already
-- handed out carry indexes and salts made with it. In the database, so that a backup holds them.
CREATE TABLE credential_secrets (
    name        text PRIMARY KEY,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL
);
-- A status list is read from the certificates of one institution and year that are no longer
-- valid (revoked or superseded): few rows, found without reading the valid ones.
CREATE INDEX certificates_not_valid_idx ON certificates (institution_id, issue_year, serial) WHERE status <> 'valid';
