-- Issue 25, point 5 (R21): results that change after the publicity started (an upheld objection,
-- or corrections after the centre returned them) are published again for 5 working days before
-- they can be reported. A publicity now has its exact start (results entered after it are
-- changes), its round, and the start of the one before (the public notice of a republication
-- lists what changed between the two). Publicities started before this change count as round 1
-- with no measurable changes.
ALTER TABLE plans ADD COLUMN publicity_started_at timestamptz NULL;
ALTER TABLE plans ADD COLUMN publicity_round integer NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN previous_publicity_at timestamptz NULL;
UPDATE plans SET publicity_round = 1 WHERE publicity_started_on IS NOT NULL;
