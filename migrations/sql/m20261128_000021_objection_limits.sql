-- Issue 22, point 7: publicity objections cannot be used to block a batch. Each objection records
-- the client address it came from and its place among that address's objections to the plan (a
-- unique slot, so concurrent objections cannot both take the last one), and a key of its content
-- (identical objections are merged into the first, counting how many were merged).
ALTER TABLE objections ADD COLUMN client_key text NULL;
ALTER TABLE objections ADD COLUMN address_slot integer NULL;
ALTER TABLE objections ADD COLUMN content_key text NULL;
ALTER TABLE objections ADD COLUMN merged integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX objections_address_slot_key ON objections (plan_id, client_key, address_slot)
    WHERE client_key IS NOT NULL;
CREATE UNIQUE INDEX objections_content_key ON objections (plan_id, content_key)
    WHERE content_key IS NOT NULL;
