-- Idempotency-Key for every creating POST (issue 7): the first answer to a key is stored and a
-- retry with the same key and request gets it again instead of creating twice. `status` is NULL
-- while the first request is running. (Certificate issuance keeps its own transactional record
-- in `idempotency_keys`.)
CREATE TABLE http_idempotency (
    principal     text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status        integer NULL,
    content_type  text NULL,
    location      text NULL,
    etag          text NULL,
    body          text NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);
