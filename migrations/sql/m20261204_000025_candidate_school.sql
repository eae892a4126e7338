-- Issue 25, point 4 (R19): a candidate's school is named from the schools registry (every school
-- there is a 技工院校 in Chongqing), no longer as free text; the student number (学号) is recorded.
-- `school_name` keeps the registry's name as it was when the candidate was listed. Candidates
-- listed before this change by their institution's own school get that school; those of other
-- schools keep only the name they were listed with (school_id NULL).
ALTER TABLE candidates ADD COLUMN school_id uuid NULL CONSTRAINT candidates_school_fkey REFERENCES schools (id);
ALTER TABLE candidates ADD COLUMN student_number text NOT NULL DEFAULT '';
UPDATE candidates SET school_id = (
    SELECT i.school_id FROM plans p JOIN institutions i ON i.id = p.institution_id WHERE p.id = candidates.plan_id
) WHERE own_school;
