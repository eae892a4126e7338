-- Issue 22, point 8: stored idempotency answers are purged by age through an index, not by a scan
-- of every row.
CREATE INDEX http_idempotency_created_idx ON http_idempotency (created_at);
