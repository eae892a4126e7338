-- Supervision (通知 五、六): published fees (R34), violations and sanctions, complaints (R35),
-- double-random inspections (R36) and integrity ratings (R37). Retention (R32) is enforced by
-- the per-backend triggers of this migration.

-- An institution's published fee standard per occupation and level (R34); amounts in fen (分).
CREATE TABLE fee_standards (
    institution_id  uuid NOT NULL CONSTRAINT fee_standards_institution_fkey REFERENCES institutions (id),
    occupation_code text NOT NULL,
    level           text NOT NULL,
    amount_fen      bigint NOT NULL CONSTRAINT fee_standards_amount_check CHECK (amount_fen >= 0 AND amount_fen <= 100000000),
    basis           text NULL,
    published_at    timestamptz NOT NULL,
    PRIMARY KEY (institution_id, occupation_code, level)
);

-- Violations recorded by the bureau, with the sanction taken.
CREATE TABLE violations (
    id              uuid PRIMARY KEY,
    institution_id  uuid NOT NULL CONSTRAINT violations_institution_fkey REFERENCES institutions (id),
    occurred_on     date NOT NULL,
    description     text NOT NULL,
    sanction        text NOT NULL CONSTRAINT violations_sanction_check CHECK (sanction IN ('none', 'warning', 'suspension', 'cancellation')),
    complaint_id    uuid NULL,
    inspection_task_id uuid NULL,
    recorded_by     uuid NOT NULL CONSTRAINT violations_user_fkey REFERENCES users (id),
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX violations_institution_idx ON violations (institution_id, occurred_on);

-- Complaints and reports (举报投诉) from anyone; contact fields are personal data.
CREATE TABLE complaints (
    id              uuid PRIMARY KEY,
    tracking_number text NOT NULL CONSTRAINT complaints_tracking_key UNIQUE,
    secret_hash     text NOT NULL,
    target_type     text NOT NULL CONSTRAINT complaints_target_check CHECK (target_type IN ('institution', 'plan', 'certificate')),
    target_ref      text NOT NULL,
    institution_id  uuid NOT NULL CONSTRAINT complaints_institution_fkey REFERENCES institutions (id),
    district_code   text NOT NULL,
    content         text NOT NULL,
    contact_name    text NULL,
    contact_phone   text NULL,
    contact_email   text NULL,
    status          text NOT NULL CONSTRAINT complaints_status_check CHECK (status IN ('received', 'assigned', 'closed')),
    assigned_to     text NULL CONSTRAINT complaints_assigned_check CHECK (assigned_to IN ('centre', 'district')),
    assigned_district text NULL,
    due_on          date NOT NULL,
    upheld          boolean NULL,
    outcome         text NULL,
    actions         text NULL,
    received_at     timestamptz NOT NULL,
    assigned_at     timestamptz NULL,
    closed_at       timestamptz NULL,
    version         integer NOT NULL
);
CREATE INDEX complaints_status_idx ON complaints (status, due_on);
CREATE INDEX complaints_institution_idx ON complaints (institution_id, received_at);

-- Internal investigation notes: never shown to the complainant.
CREATE TABLE complaint_notes (
    id              uuid PRIMARY KEY,
    complaint_id    uuid NOT NULL CONSTRAINT complaint_notes_complaint_fkey REFERENCES complaints (id),
    author_id       uuid NOT NULL CONSTRAINT complaint_notes_user_fkey REFERENCES users (id),
    body            text NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX complaint_notes_complaint_idx ON complaint_notes (complaint_id, created_at);

-- The inspector pool (检查人员名录库) of double-random inspections.
CREATE TABLE inspectors (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    organisation    text NOT NULL,
    employer_school_id uuid NULL CONSTRAINT inspectors_school_fkey REFERENCES schools (id),
    active          boolean NOT NULL,
    created_at      timestamptz NOT NULL
);

-- An inspection task with its recorded draw: the population and pool in draw order and the seed,
-- so that anyone can repeat the draw (R36).
CREATE TABLE inspection_tasks (
    id              uuid PRIMARY KEY,
    title           text NOT NULL,
    kind            text NOT NULL CONSTRAINT inspection_tasks_kind_check CHECK (kind IN ('on_site', 'special', 'comprehensive')),
    criteria        @JSON@ NOT NULL,
    population      @JSON@ NOT NULL,
    pool            @JSON@ NOT NULL,
    sample_size     integer NOT NULL,
    inspectors_per_institution integer NOT NULL,
    seed            text NOT NULL,
    created_by      uuid NOT NULL CONSTRAINT inspection_tasks_user_fkey REFERENCES users (id),
    created_at      timestamptz NOT NULL
);

CREATE TABLE inspection_targets (
    task_id         uuid NOT NULL CONSTRAINT inspection_targets_task_fkey REFERENCES inspection_tasks (id),
    institution_id  uuid NOT NULL CONSTRAINT inspection_targets_institution_fkey REFERENCES institutions (id),
    draw_order      integer NOT NULL,
    inspector_ids   @JSON@ NOT NULL,
    result          text NULL CONSTRAINT inspection_targets_result_check CHECK (result IN ('pass', 'rectify', 'fail')),
    findings        text NULL,
    recorded_at     timestamptz NULL,
    recorded_by     uuid NULL CONSTRAINT inspection_targets_user_fkey REFERENCES users (id),
    PRIMARY KEY (task_id, institution_id)
);
CREATE INDEX inspection_targets_institution_idx ON inspection_targets (institution_id);

-- Integrity ratings (诚信评比) per calendar year: the computed score from its inputs, the
-- bureau's adjustment with its reason, the grade, and when it was published (R37).
CREATE TABLE integrity_ratings (
    period          integer NOT NULL,
    institution_id  uuid NOT NULL CONSTRAINT integrity_ratings_institution_fkey REFERENCES institutions (id),
    computed_score  integer NOT NULL,
    inputs          @JSON@ NOT NULL,
    adjustment      integer NOT NULL,
    adjustment_reason text NULL,
    score           integer NOT NULL,
    grade           text NOT NULL CONSTRAINT integrity_ratings_grade_check CHECK (grade IN ('A', 'B', 'C', 'D')),
    computed_at     timestamptz NOT NULL,
    published_at    timestamptz NULL,
    version         integer NOT NULL,
    PRIMARY KEY (period, institution_id)
);
