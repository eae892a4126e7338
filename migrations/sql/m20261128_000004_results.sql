-- Results of a plan: candidate photos, append-only assessment results, publicity with
-- objections, reports to the centre and its review.

ALTER TABLE candidates ADD COLUMN photo_key text NULL;
ALTER TABLE candidates ADD COLUMN photo_media_type text NULL;
ALTER TABLE candidates ADD COLUMN photo_sha256 text NULL;
-- The centre's review of this candidate (R23): only `approved` ones can receive certificates.
ALTER TABLE candidates ADD COLUMN review_status text NOT NULL DEFAULT 'pending'
    CONSTRAINT candidates_review_status_check CHECK (review_status IN ('pending', 'approved', 'rejected'));
ALTER TABLE candidates ADD COLUMN review_note text NULL;

-- Where a plan's results stand (its filing status with the centre is `plans.status`).
ALTER TABLE plans ADD COLUMN phase text NOT NULL DEFAULT 'assessment'
    CONSTRAINT plans_phase_check CHECK (phase IN ('assessment', 'publicity', 'reported', 'review_returned', 'reviewed'));
ALTER TABLE plans ADD COLUMN publicity_started_on date NULL;
ALTER TABLE plans ADD COLUMN publicity_ends_on date NULL;
ALTER TABLE plans ADD COLUMN report_round integer NOT NULL DEFAULT 0;

-- Every value ever entered, never updated in place: the current result of a candidate's
-- component is its latest row (R20, R33).
CREATE TABLE assessment_results (
    id            uuid PRIMARY KEY,
    plan_id       uuid NOT NULL CONSTRAINT assessment_results_plan_fkey REFERENCES plans (id),
    candidate_id  uuid NOT NULL CONSTRAINT assessment_results_candidate_fkey REFERENCES candidates (id),
    component     text NOT NULL,
    score         double precision NULL,
    award         boolean NULL,
    reason        text NULL,
    entered_by    uuid NOT NULL CONSTRAINT assessment_results_user_fkey REFERENCES users (id),
    entered_at    timestamptz NOT NULL,
    seq           bigint NOT NULL,
    CONSTRAINT assessment_results_value_check CHECK ((score IS NULL) <> (award IS NULL)),
    CONSTRAINT assessment_results_score_check CHECK (score IS NULL OR (score >= 0 AND score <= 100)),
    CONSTRAINT assessment_results_component_check CHECK (component IN ('process', 'theory_exam', 'practical_exam', 'enterprise_evaluation', 'competition_selection')),
    CONSTRAINT assessment_results_seq_key UNIQUE (candidate_id, component, seq)
);
CREATE INDEX assessment_results_plan_idx ON assessment_results (plan_id, candidate_id, component, seq);

-- Objections (异议) lodged during publicity, and the institution's answers (R22).
CREATE TABLE objections (
    id            uuid PRIMARY KEY,
    plan_id       uuid NOT NULL CONSTRAINT objections_plan_fkey REFERENCES plans (id),
    candidate_id  uuid NULL CONSTRAINT objections_candidate_fkey REFERENCES candidates (id),
    content       text NOT NULL,
    contact       text NOT NULL,
    lodged_at     timestamptz NOT NULL,
    answer        text NULL,
    upheld        boolean NULL,
    answered_at   timestamptz NULL,
    answered_by   uuid NULL CONSTRAINT objections_user_fkey REFERENCES users (id)
);
CREATE INDEX objections_plan_idx ON objections (plan_id, lodged_at);

-- Every report of a plan's results and the centre's decision on it (rounds kept).
CREATE TABLE plan_reports (
    plan_id       uuid NOT NULL CONSTRAINT plan_reports_plan_fkey REFERENCES plans (id),
    round         integer NOT NULL,
    reported_at   timestamptz NOT NULL,
    reported_by   uuid NOT NULL,
    summary       @JSON@ NOT NULL,
    decision      text NULL,
    reasons       text NULL,
    decided_at    timestamptz NULL,
    decided_by    uuid NULL,
    PRIMARY KEY (plan_id, round),
    CONSTRAINT plan_reports_decision_check CHECK (decision IS NULL OR decision IN ('approved', 'returned'))
);
