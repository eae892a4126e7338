-- Issue 26, point 2: a school withdraws its filing application before the bureau decides, and a
-- plan is cancelled (by its school before the first session, by the centre until certificates
-- are issued). Both stay on record with the reason. A withdrawn application no longer counts as
-- the school's open one. A cancelled plan keeps its last status; `cancelled_at` makes it
-- cancelled.
DROP INDEX filings_one_open_per_school;
CREATE UNIQUE INDEX filings_one_open_per_school ON filings (school_id) WHERE status NOT IN ('approved', 'rejected', 'withdrawn');
ALTER TABLE filings ADD COLUMN withdrawn_at timestamptz NULL;
ALTER TABLE filings ADD COLUMN withdrawal_reason text NULL;
ALTER TABLE plans ADD COLUMN cancelled_at timestamptz NULL;
ALTER TABLE plans ADD COLUMN cancellation_reason text NULL;
ALTER TABLE plans ADD COLUMN cancelled_by uuid NULL CONSTRAINT plans_cancelled_by_fkey REFERENCES users (id);
