-- Institution filing (备案): occupation catalogue, access-type list, standards, schools, filing
-- applications and their evaluation, institutions with their scope, and the code registry.

CREATE TABLE occupations (
    code         text PRIMARY KEY,
    name         text NOT NULL,
    major_group  integer NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT occupations_code_check CHECK (length(code) = 10)
);
CREATE INDEX occupations_name_idx ON occupations (name);

-- 工种 within an occupation (the 2022 table lists none; the bureau adds them).
CREATE TABLE work_types (
    id               uuid PRIMARY KEY,
    occupation_code  text NOT NULL CONSTRAINT work_types_occupation_fkey REFERENCES occupations (code),
    name             text NOT NULL,
    created_at       timestamptz NOT NULL,
    CONSTRAINT work_types_occupation_name_key UNIQUE (occupation_code, name)
);

-- 准入类 qualifications (R3). Only `confirmed` rows with an occupation code block a filing.
CREATE TABLE access_type_entries (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    occupation_code  text NULL CONSTRAINT access_type_entries_occupation_fkey REFERENCES occupations (code),
    source           text NOT NULL,
    verification     text NOT NULL,
    note             text NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT access_type_entries_name_key UNIQUE (name),
    CONSTRAINT access_type_entries_verification_check CHECK (verification IN ('confirmed', 'unverified'))
);

-- National occupational skill standards and filed industry/enterprise evaluation norms (R5, R6).
CREATE TABLE standards (
    id                uuid PRIMARY KEY,
    occupation_code   text NOT NULL CONSTRAINT standards_occupation_fkey REFERENCES occupations (code),
    kind              text NOT NULL,
    title             text NOT NULL,
    filing_reference  text NULL,
    filing_date       date NULL,
    override_reason   text NULL,
    created_at        timestamptz NOT NULL,
    CONSTRAINT standards_kind_check CHECK (kind IN ('national_standard', 'evaluation_norm')),
    CONSTRAINT standards_norm_filing_check CHECK (kind = 'national_standard' OR (filing_reference IS NOT NULL AND filing_date IS NOT NULL))
);
CREATE TABLE standard_levels (
    standard_id      uuid NOT NULL CONSTRAINT standard_levels_standard_fkey REFERENCES standards (id),
    occupation_code  text NOT NULL,
    level            text NOT NULL,
    kind             text NOT NULL,
    PRIMARY KEY (standard_id, level),
    CONSTRAINT standard_levels_level_check CHECK (level IN ('3', '4', '5', '9'))
);
CREATE INDEX standard_levels_occupation_idx ON standard_levels (occupation_code, level, kind);

CREATE TABLE schools (
    id                        uuid PRIMARY KEY,
    name                      text NOT NULL,
    school_type               text NOT NULL,
    credit_code               text NOT NULL,
    needs_manual_review       boolean NOT NULL,
    district_code             text NOT NULL CONSTRAINT schools_district_fkey REFERENCES districts (code),
    registered_address        text NOT NULL,
    office_address            text NOT NULL,
    legal_representative      text NOT NULL,
    legal_representative_position text NULL,
    contact_name              text NULL,
    contact_phone             text NULL,
    email                     text NULL,
    old_station_code          text NULL,
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL,
    CONSTRAINT schools_credit_code_key UNIQUE (credit_code),
    CONSTRAINT schools_type_check CHECK (school_type IN ('technician_college', 'senior_technical_school', 'technical_school'))
);
CREATE INDEX schools_district_idx ON schools (district_code, name);

-- A filing application (initial or renewal). `document` holds Annex 1–3 as edited by the school.
CREATE TABLE filings (
    id               uuid PRIMARY KEY,
    school_id        uuid NOT NULL CONSTRAINT filings_school_fkey REFERENCES schools (id),
    kind             text NOT NULL,
    institution_id   uuid NULL,
    status           text NOT NULL,
    round            integer NOT NULL DEFAULT 1,
    document         @JSON@ NOT NULL,
    submitted_at     timestamptz NULL,
    decided_at       timestamptz NULL,
    decision_opinion text NULL,
    valid_until      date NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT filings_kind_check CHECK (kind IN ('initial', 'renewal')),
    CONSTRAINT filings_status_check CHECK (status IN ('draft', 'submitted', 'accepted', 'under_evaluation', 'approved', 'rejected', 'returned', 'withdrawn')),
    CONSTRAINT filings_renewal_check CHECK ((kind = 'renewal') = (institution_id IS NOT NULL))
);
CREATE INDEX filings_school_idx ON filings (school_id, status);
CREATE INDEX filings_status_idx ON filings (status, updated_at);

-- Every round of a filing is kept: what was submitted, and why it came back.
CREATE TABLE filing_rounds (
    filing_id        uuid NOT NULL CONSTRAINT filing_rounds_filing_fkey REFERENCES filings (id),
    round            integer NOT NULL,
    submitted_at     timestamptz NOT NULL,
    document         @JSON@ NOT NULL,
    returned_at      timestamptz NULL,
    return_reasons   text NULL,
    PRIMARY KEY (filing_id, round)
);

CREATE TABLE filing_experts (
    filing_id    uuid NOT NULL CONSTRAINT filing_experts_filing_fkey REFERENCES filings (id),
    expert_id    uuid NOT NULL CONSTRAINT filing_experts_expert_fkey REFERENCES users (id),
    assigned_at  timestamptz NOT NULL,
    PRIMARY KEY (filing_id, expert_id)
);

CREATE TABLE filing_evaluations (
    id              uuid PRIMARY KEY,
    filing_id       uuid NOT NULL CONSTRAINT filing_evaluations_filing_fkey REFERENCES filings (id),
    expert_id       uuid NOT NULL CONSTRAINT filing_evaluations_expert_fkey REFERENCES users (id),
    round           integer NOT NULL,
    findings        @JSON@ NOT NULL,
    recommendation  text NOT NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT filing_evaluations_once_key UNIQUE (filing_id, expert_id, round),
    CONSTRAINT filing_evaluations_recommendation_check CHECK (recommendation IN ('approve', 'reject', 'revise'))
);

CREATE TABLE attachments (
    id            uuid PRIMARY KEY,
    filing_id     uuid NOT NULL CONSTRAINT attachments_filing_fkey REFERENCES filings (id),
    purpose       text NOT NULL,
    file_name     text NOT NULL,
    media_type    text NOT NULL,
    size_bytes    bigint NOT NULL,
    sha256        text NOT NULL,
    storage_key   text NOT NULL,
    uploaded_by   uuid NOT NULL CONSTRAINT attachments_uploader_fkey REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    CONSTRAINT attachments_media_type_check CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png'))
);
CREATE INDEX attachments_filing_idx ON attachments (filing_id);

-- The one municipal counter of institution serials (R10): a single row, bumped in the approving
-- transaction.
CREATE TABLE institution_serial_counter (
    id         integer PRIMARY KEY,
    last_serial integer NOT NULL,
    CONSTRAINT institution_serial_counter_single CHECK (id = 1),
    CONSTRAINT institution_serial_counter_range CHECK (last_serial BETWEEN 0 AND 999999)
);
INSERT INTO institution_serial_counter (id, last_serial) VALUES (1, 0);

-- Every filing code ever assigned (R10, R13). Rows are never deleted and the code never changes
-- (triggers below), so a retired or assigned code can never be assigned again.
CREATE TABLE institution_codes (
    code            text PRIMARY KEY,
    serial          integer NOT NULL,
    assigned_at     timestamptz NOT NULL,
    retired_at      timestamptz NULL,
    retired_reason  text NULL,
    successor_code  text NULL,
    CONSTRAINT institution_codes_serial_key UNIQUE (serial),
    CONSTRAINT institution_codes_format_check CHECK (length(code) = 13 AND code LIKE 'S000050%')
);

CREATE TABLE institutions (
    id                 uuid PRIMARY KEY,
    code               text NOT NULL CONSTRAINT institutions_code_fkey REFERENCES institution_codes (code),
    school_id          uuid NOT NULL CONSTRAINT institutions_school_fkey REFERENCES schools (id),
    name               text NOT NULL,
    credit_code        text NOT NULL,
    registered_address text NOT NULL,
    office_address     text NOT NULL,
    legal_representative text NOT NULL,
    district_code      text NOT NULL CONSTRAINT institutions_district_fkey REFERENCES districts (code),
    status             text NOT NULL,
    status_reason      text NULL,
    valid_from         date NOT NULL,
    valid_until        date NOT NULL,
    filing_id          uuid NOT NULL CONSTRAINT institutions_filing_fkey REFERENCES filings (id),
    bureau_opinion     text NOT NULL,
    decided_on         date NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT institutions_code_key UNIQUE (code),
    CONSTRAINT institutions_status_check CHECK (status IN ('active', 'suspended', 'cancelled')),
    CONSTRAINT institutions_validity_check CHECK (valid_until >= valid_from)
);
CREATE INDEX institutions_district_idx ON institutions (district_code, name);
CREATE INDEX institutions_school_idx ON institutions (school_id);

-- What an institution may certify (R15): occupation × work type × level.
CREATE TABLE institution_scope (
    institution_id   uuid NOT NULL CONSTRAINT institution_scope_institution_fkey REFERENCES institutions (id),
    occupation_code  text NOT NULL CONSTRAINT institution_scope_occupation_fkey REFERENCES occupations (code),
    work_type        text NOT NULL DEFAULT '',
    level            text NOT NULL,
    standard_id      uuid NOT NULL CONSTRAINT institution_scope_standard_fkey REFERENCES standards (id),
    PRIMARY KEY (institution_id, occupation_code, work_type, level),
    CONSTRAINT institution_scope_level_check CHECK (level IN ('3', '4', '5', '9'))
);

-- Merger lineage (R14): each merged institution → the new one.
CREATE TABLE institution_lineage (
    predecessor_id  uuid NOT NULL CONSTRAINT institution_lineage_predecessor_fkey REFERENCES institutions (id),
    successor_id    uuid NOT NULL CONSTRAINT institution_lineage_successor_fkey REFERENCES institutions (id),
    merged_at       timestamptz NOT NULL,
    PRIMARY KEY (predecessor_id, successor_id)
);
