-- Issue 23, point 5: one idempotency mechanism. Certificate issuance now claims its key in
-- `http_idempotency` inside its own transaction, like every other creating request keeps its
-- key there; its separate store goes. (Its stored answers were kept for a day; a retry of an
-- issuance older than this migration finds nothing to replay and nothing left to issue.)
DROP TABLE idempotency_keys;
