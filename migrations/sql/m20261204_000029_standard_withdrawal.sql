-- Issue 26, point 4: the bureau withdraws a standard or norm with a reason. A withdrawn one stays
-- on record (filings and institutions that named it keep it, and are listed with it), but no new
-- filing or plan may name it, and it no longer counts as the norm of its occupation and level
-- (R6), so a revised norm can be filed.
ALTER TABLE standards ADD COLUMN withdrawn_at timestamptz NULL;
ALTER TABLE standards ADD COLUMN withdrawal_reason text NULL;
ALTER TABLE standard_levels ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
DROP INDEX standard_levels_one_norm;
CREATE UNIQUE INDEX standard_levels_one_norm ON standard_levels (occupation_code, level)
    WHERE kind = 'evaluation_norm' AND NOT overridden AND NOT withdrawn;
