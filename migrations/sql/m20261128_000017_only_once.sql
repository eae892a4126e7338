-- Issue 22, point 5: rules that may hold only once are kept by the database itself, so that two
-- concurrent requests cannot both pass a check made by reading first.

-- At most one certificate supersedes another (a reissue); also the index verification uses to
-- find a superseded certificate's successor (it replaces certificates_supersedes_idx).
DROP INDEX certificates_supersedes_idx;
CREATE UNIQUE INDEX certificates_supersedes_key ON certificates (supersedes_id) WHERE supersedes_id IS NOT NULL;

-- R6: one evaluation norm per occupation and level, unless the bureau registered another with an
-- override reason.
ALTER TABLE standard_levels ADD COLUMN overridden boolean NOT NULL DEFAULT false;
UPDATE standard_levels SET overridden = true
    WHERE standard_id IN (SELECT id FROM standards WHERE override_reason IS NOT NULL);
CREATE UNIQUE INDEX standard_levels_one_norm ON standard_levels (occupation_code, level)
    WHERE kind = 'evaluation_norm' AND NOT overridden;
