-- Issue 25, point 8 (notice 五(一): the centre builds the teams of examiners, quality supervisors
-- and experts). The centre's registry of people with their qualifications: an examiner
-- (考评人员) is named by filings and plans by the number of their examiner certificate, and may
-- examine an occupation at a level only with a qualification for it, until the certificate's
-- end; a quality supervisor (质量督导人员) is dispatched to plans by a seeded draw; an expert
-- (专家) evaluates filings through their `expert` account. The school that employs someone is
-- never the one they examine, supervise or evaluate for where the rules say so.
CREATE TABLE personnel (
    id                 uuid PRIMARY KEY,
    kind               text NOT NULL CONSTRAINT personnel_kind_check CHECK (kind IN ('examiner', 'quality_supervisor', 'expert')),
    name               text NOT NULL,
    id_number          text NOT NULL,
    certificate_number text NOT NULL,
    valid_until        date NOT NULL,
    employer           text NOT NULL,
    employer_school_id uuid NULL CONSTRAINT personnel_school_fkey REFERENCES schools (id),
    user_id            uuid NULL CONSTRAINT personnel_user_fkey REFERENCES users (id),
    active             boolean NOT NULL,
    created_at         timestamptz NOT NULL,
    CONSTRAINT personnel_certificate_key UNIQUE (kind, certificate_number),
    CONSTRAINT personnel_person_key UNIQUE (kind, id_number),
    CONSTRAINT personnel_user_key UNIQUE (user_id)
);

-- What each person may do: an occupation at a level.
CREATE TABLE personnel_qualifications (
    person_id       uuid NOT NULL CONSTRAINT personnel_qualifications_person_fkey REFERENCES personnel (id),
    occupation_code text NOT NULL CONSTRAINT personnel_qualifications_occupation_fkey REFERENCES occupations (code),
    level           text NOT NULL CONSTRAINT personnel_qualifications_level_check CHECK (level IN ('3', '4', '5', '9')),
    PRIMARY KEY (person_id, occupation_code, level)
);

-- The quality supervisor the centre dispatched to a plan, with the seed and the eligible pool in
-- draw order, so that anyone can repeat the draw. One per plan.
CREATE TABLE plan_quality_supervisors (
    plan_id     uuid PRIMARY KEY CONSTRAINT plan_quality_supervisors_plan_fkey REFERENCES plans (id),
    person_id   uuid NOT NULL CONSTRAINT plan_quality_supervisors_person_fkey REFERENCES personnel (id),
    seed        text NOT NULL,
    pool        @JSON@ NOT NULL,
    drawn_by    uuid NOT NULL CONSTRAINT plan_quality_supervisors_user_fkey REFERENCES users (id),
    drawn_at    timestamptz NOT NULL
);
