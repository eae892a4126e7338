-- Certification rounds: the working-day calendar, batch plans with their sessions, and candidates.

-- Dates that differ from the Monday–Friday rule (holiday, or weekend worked as 调休).
CREATE TABLE calendar_days (
    day    date PRIMARY KEY,
    kind   text NOT NULL,
    name   text NOT NULL,
    CONSTRAINT calendar_days_kind_check CHECK (kind IN ('holiday', 'workday'))
);

-- Years whose State Council arrangement is published (loaded or entered by the bureau).
CREATE TABLE calendar_years (
    year          integer PRIMARY KEY,
    source        text NOT NULL,
    published_at  timestamptz NOT NULL
);

-- A batch plan (计划报备) of an institution.
CREATE TABLE plans (
    id                 uuid PRIMARY KEY,
    institution_id     uuid NOT NULL CONSTRAINT plans_institution_fkey REFERENCES institutions (id),
    title              text NOT NULL,
    status             text NOT NULL,
    method             @JSON@ NOT NULL,
    filed_on           date NULL,
    filed_at           timestamptz NULL,
    round              integer NOT NULL DEFAULT 1,
    return_reasons     text NULL,
    acknowledged_at    timestamptz NULL,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT plans_status_check CHECK (status IN ('draft', 'filed', 'returned', 'acknowledged'))
);
CREATE INDEX plans_institution_idx ON plans (institution_id, created_at);

-- Occupations × levels a plan assesses (R15).
CREATE TABLE plan_occupations (
    plan_id          uuid NOT NULL CONSTRAINT plan_occupations_plan_fkey REFERENCES plans (id),
    occupation_code  text NOT NULL,
    work_type        text NOT NULL DEFAULT '',
    level            text NOT NULL,
    PRIMARY KEY (plan_id, occupation_code, work_type, level)
);

-- Sessions (场次) with venue, time, kind, examiners and supervisors (R18).
CREATE TABLE plan_sessions (
    id               uuid PRIMARY KEY,
    plan_id          uuid NOT NULL CONSTRAINT plan_sessions_plan_fkey REFERENCES plans (id),
    occupation_code  text NOT NULL,
    day              date NOT NULL,
    starts_at        text NOT NULL,
    ends_at          text NOT NULL,
    venue            text NOT NULL,
    kind             text NOT NULL,
    examiners        @JSON@ NOT NULL,
    supervisors      @JSON@ NOT NULL,
    CONSTRAINT plan_sessions_kind_check CHECK (kind IN ('theory', 'practical', 'enterprise_evaluation', 'competition', 'process'))
);
CREATE INDEX plan_sessions_plan_idx ON plan_sessions (plan_id, day);

-- Candidates (评价对象) of a plan (R19). The ID number is sensitive: never logged, masked in
-- public answers.
CREATE TABLE candidates (
    id                   uuid PRIMARY KEY,
    plan_id              uuid NOT NULL CONSTRAINT candidates_plan_fkey REFERENCES plans (id),
    name                 text NOT NULL,
    gender               text NOT NULL,
    id_number            text NOT NULL,
    school_name          text NOT NULL,
    own_school           boolean NOT NULL,
    major                text NOT NULL,
    class_name           text NOT NULL,
    full_time_confirmed  boolean NOT NULL,
    consent_recorded     boolean NOT NULL,
    phone                text NULL,
    occupation_code      text NOT NULL,
    work_type            text NOT NULL DEFAULT '',
    level                text NOT NULL,
    created_at           timestamptz NOT NULL,
    CONSTRAINT candidates_once_key UNIQUE (plan_id, id_number, occupation_code, work_type, level),
    CONSTRAINT candidates_gender_check CHECK (gender IN ('male', 'female')),
    CONSTRAINT candidates_voluntary_check CHECK (consent_recorded AND full_time_confirmed)
);
CREATE INDEX candidates_plan_idx ON candidates (plan_id, name);
