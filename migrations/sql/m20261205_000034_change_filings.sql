-- Issue 26, point 3: a change filing (变更备案) of a filed institution. At its submission the
-- occupations and levels its document adds to the institution's scope are written here (a JSON
-- array of {occupation_code, work_type, level}; empty when it adds none): only such a change
-- goes through expert evaluation before the bureau decides. NULL for initial filings and
-- renewals, which always do.
ALTER TABLE filings ADD COLUMN scope_added @JSON@ NULL;
