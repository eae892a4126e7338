//! The stable codes of problems, validation rules and display names. Adding a code here without
//! its texts in `zh-CN.json` and `en.json` fails the catalogue test.

use actix_web::http::StatusCode;
use domain::{Level, Role, SchoolType};

macro_rules! problems {
    ($($var:ident = $code:literal, $status:literal, [$($p:literal),*];)*) => {
        /// A kind of problem (RFC 9457), with its HTTP status and detail placeholders.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Problem { $($var),* }
        impl Problem {
            /// Every problem code.
            pub const ALL: &'static [Problem] = &[$(Problem::$var),*];
            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str { match self { $(Problem::$var => $code),* } }
            /// The HTTP status.
            pub fn status(self) -> StatusCode {
                match self { $(Problem::$var => StatusCode::from_u16($status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)),* }
            }
            /// The placeholders its detail text uses.
            pub fn params(self) -> &'static [&'static str] { match self { $(Problem::$var => &[$($p),*]),* } }
        }
    };
}

macro_rules! rules {
    ($($var:ident = $code:literal, [$($p:literal),*];)*) => {
        /// A validation rule a field can break, with its message placeholders.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Rule { $($var),* }
        impl Rule {
            /// Every rule code.
            pub const ALL: &'static [Rule] = &[$(Rule::$var),*];
            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str { match self { $(Rule::$var => $code),* } }
            /// The placeholders its message uses.
            pub fn params(self) -> &'static [&'static str] { match self { $(Rule::$var => &[$($p),*]),* } }
        }
    };
}

problems! {
    BadRequest = "bad_request", 400, [];
    WrongStatus = "wrong_status", 409, ["action", "status"];
    AlreadyExists = "already_exists", 409, ["what"];
    NormExists = "norm_exists", 409, ["occupation", "level"];
    AlreadyEvaluated = "already_evaluated", 409, [];
    AlreadyDrawn = "already_drawn", 409, [];
    PlanUnderway = "plan_underway", 409, ["first_session"];
    CertificatesIssued = "certificates_issued", 409, [];
    AlreadyWithdrawn = "already_withdrawn", 409, [];
    NoEligibleSupervisor = "no_eligible_supervisor", 409, ["through"];
    SerialsExhausted = "serials_exhausted", 409, [];
    InstitutionNotActive = "institution_not_active", 409, ["status"];
    EvaluationRequired = "evaluation_required", 409, [];
    SubmissionIncomplete = "submission_incomplete", 422, ["count"];
    UnsupportedFileType = "unsupported_file_type", 415, ["allowed"];
    NoticeTooShort = "notice_too_short", 422, ["earliest"];
    CandidateTwice = "candidate_twice", 409, [];
    PublicityClosed = "publicity_closed", 409, ["ends_on"];
    PublicityRunning = "publicity_running", 409, ["ends_on"];
    ObjectionsOpen = "objections_open", 409, ["count"];
    IdempotencyMismatch = "idempotency_mismatch", 422, [];
    CertificateSerialsExhausted = "certificate_serials_exhausted", 409, ["year"];
    CertificateHeld = "certificate_held", 409, ["count", "code"];
    PhotoLocked = "photo_locked", 409, ["code"];
    CertificateWithoutPhoto = "certificate_without_photo", 409, ["count", "code"];
    RepublicationRequired = "republication_required", 409, ["count"];
    NothingChanged = "nothing_changed", 409, [];
    CertificateNotFound = "certificate_not_found", 404, [];
    ConcurrentChange = "concurrent_change", 409, [];
    RateLimited = "rate_limited", 429, ["seconds"];
    MalformedJson = "malformed_json", 400, ["line", "column"];
    InvalidQuery = "invalid_query", 400, [];
    Unauthenticated = "unauthenticated", 401, [];
    InvalidToken = "invalid_token", 401, [];
    InvalidCredentials = "invalid_credentials", 401, [];
    Forbidden = "forbidden", 403, [];
    NotFound = "not_found", 404, [];
    MethodNotAllowed = "method_not_allowed", 405, ["method", "allowed"];
    UsernameTaken = "username_taken", 409, ["username"];
    OwnAccount = "own_account", 409, [];
    PreconditionFailed = "precondition_failed", 412, [];
    PayloadTooLarge = "payload_too_large", 413, ["limit_kib"];
    UnsupportedMediaType = "unsupported_media_type", 415, ["expected"];
    ValidationFailed = "validation_failed", 422, ["count"];
    InvalidCertificateCode = "invalid_certificate_code", 422, [];
    PreconditionRequired = "precondition_required", 428, [];
    InternalError = "internal_error", 500, [];
    NotReady = "not_ready", 503, [];
    RatingsPublished = "ratings_published", 409, ["period"];
    ResultRecorded = "result_recorded", 409, [];
    NothingToPublish = "nothing_to_publish", 409, ["period"];
    StillPending = "still_pending", 409, [];
    InvalidClient = "invalid_client", 401, [];
    IdempotencyInProgress = "idempotency_in_progress", 409, [];
    UploadLimit = "upload_limit", 413, [];
    RequestTimeout = "request_timeout", 408, ["seconds"];
    ObjectionLimit = "objection_limit", 429, ["max"];
    HeadTooLarge = "request_head_too_large", 431, ["limit_kib"];
    ServerBusy = "server_busy", 503, ["seconds"];
    HeadTimeout = "request_head_timeout", 408, ["seconds"];
}

rules! {
    Required = "required", [];
    UnknownField = "unknown_field", [];
    InvalidType = "invalid_type", [];
    Blank = "blank", [];
    TooLong = "too_long", ["max"];
    ControlCharacter = "control_character", [];
    InvalidHeaderName = "invalid_header_name", [];
    ContentTypeMismatch = "content_type_mismatch", ["declared", "found"];
    OutOfRange = "out_of_range", ["min", "max"];
    NotOneOf = "not_one_of", ["allowed"];
    InvalidUuid = "invalid_uuid", [];
    InvalidTimestamp = "invalid_timestamp", [];
    UsernameFormat = "username_format", [];
    PasswordLength = "password_length", ["min", "max"];
    DistrictUnknown = "district_unknown", ["code"];
    DistrictAbolished = "district_abolished", ["code", "name", "successor"];
    DistrictRequired = "district_required", [];
    DistrictNotAllowed = "district_not_allowed", ["role"];
    SchoolAccountViaSchool = "school_account_via_school", [];
    NothingToChange = "nothing_to_change", [];
    WrongPassword = "wrong_password", [];
    CodeLength = "code_length", ["expected", "actual"];
    CodeNotADigit = "code_not_a_digit", ["position", "found"];
    CodeCategory = "code_category", ["found"];
    CodeRoute = "code_route", ["found"];
    CodeProvince = "code_province", ["found"];
    CodeInstitutionSerial = "code_institution_serial", ["found"];
    CodeYear = "code_year", ["found"];
    CodeLevel = "code_level", ["found"];
    CodeCertificateSerial = "code_certificate_serial", ["found"];
    LevelNotAllowed = "level_not_allowed", ["level", "school_type"];
    PreparatoryClassRequired = "preparatory_class_required", ["major"];
    AccessTypeOccupation = "access_type_occupation", ["code", "name"];
    TooFewExaminers = "too_few_examiners", ["code", "count", "min"];
    SamePerson = "same_person", ["other"];
    SameCertificateNumber = "same_certificate_number", ["other"];
    NationalStandardFirst = "national_standard_first", ["standard_id", "title"];
    NoStandard = "no_standard", ["code", "level"];
    UnknownOccupation = "unknown_occupation", ["code"];
    Missing = "missing", [];
    AlreadyFiled = "already_filed", [];
    InvalidResidentId = "invalid_resident_id", [];
    InvalidCreditCode = "invalid_credit_code", [];
    InvalidOccupationCode = "invalid_occupation_code", [];
    InvalidLevel = "invalid_level", [];
    UnknownStandard = "unknown_standard", [];
    UnknownExpert = "unknown_expert", [];
    UnknownAttachment = "unknown_attachment", [];
    UnknownInstitution = "unknown_institution", [];
    UnknownSchool = "unknown_school", [];
    AgreementRequired = "agreement_required", [];
    ValidityTooLong = "validity_too_long", ["latest"];
    ValidityNotAfterStart = "validity_not_after_start", [];
    InvalidDate = "invalid_date", [];
    NormNeedsFiling = "norm_needs_filing", [];
    NotForNationalStandard = "not_for_national_standard", [];
    ValidityKept = "validity_kept", [];
    TooFew = "too_few", ["min"];
    Duplicate = "duplicate", [];
    InvalidEmail = "invalid_email", [];
    CalendarYearUnpublished = "calendar_year_unpublished", ["year"];
    WorkdayNotWeekend = "workday_not_weekend", [];
    OutsideScope = "outside_scope", ["code", "level"];
    NotInPlan = "not_in_plan", ["code"];
    EndBeforeStart = "end_before_start", [];
    InvalidTime = "invalid_time", [];
    AfterValidity = "after_validity", ["valid_until"];
    NotOnRoster = "not_on_roster", ["name"];
    NotRegistered = "not_registered", ["number"];
    RegistryMismatch = "registry_mismatch", ["number"];
    QualificationExpired = "qualification_expired", ["valid_until"];
    NotQualified = "not_qualified", ["code", "level"];
    ExpertNotRegistered = "expert_not_registered", [];
    Recused = "recused", [];
    StandardWithdrawn = "standard_withdrawn", ["title"];
    OnlyForExperts = "only_for_experts", [];
    NoSession = "no_session", ["code"];
    TooSoon = "too_soon", ["earliest", "days"];
    StudentAge = "student_age", ["age", "min", "max"];
    GenderMismatch = "gender_mismatch", [];
    FullTimeRequired = "full_time_required", [];
    ConsentRequired = "consent_required", [];
    InvalidPhone = "invalid_phone", [];
    ScoreOrAward = "score_or_award", [];
    ReasonRequired = "reason_required", [];
    ResultsIncomplete = "results_incomplete", ["name"];
    CorrectionsNeedUpheld = "corrections_need_upheld", [];
    PhotoTooLarge = "photo_too_large", [];
    PhotoUnreadable = "photo_unreadable", [];
    PhotoShape = "photo_shape", [];
    NotApproved = "not_approved", [];
    AlreadyIssued = "already_issued", [];
    NothingToIssue = "nothing_to_issue", [];
    HoldsCertificate = "holds_certificate", ["code"];
    PhotoRequired = "photo_required", ["name"];
    EmptyScope = "empty_scope", [];
    SchoolNotRegistered = "school_not_registered", ["school"];
    MissingGlyphs = "missing_glyphs", ["chars"];
    UnknownTarget = "unknown_target", [];
    UnknownInspector = "unknown_inspector", [];
    UnknownOrder = "unknown_order", [];
    OrderOfAnotherInstitution = "order_of_another_institution", [];
    OrderRequired = "order_required", [];
    EmptyPopulation = "empty_population", [];
    TooFewInspectors = "too_few_inspectors", ["eligible", "needed"];
    NotDrawn = "not_drawn", [];
    TooManyRows = "too_many_rows", ["max"];
    TooManyColumns = "too_many_columns", ["max"];
    CellTooLong = "cell_too_long", ["max"];
    LineTooLong = "line_too_long", ["max"];
    TooMuchText = "too_much_text", ["max"];
    TooManyParts = "too_many_parts", ["max"];
    InflatedTooLarge = "inflated_too_large", ["max"];
    TooManyPixels = "too_many_pixels", ["width", "height", "max"];
    FileUnreadable = "file_unreadable", ["format"];
    NotUtf8 = "not_utf8", [];
    ImageMismatch = "image_mismatch", ["width", "height"];
    PhotoFormat = "photo_format", [];
    TooShort = "too_short", ["min"];
    InvalidContact = "invalid_contact", [];
}

/// An enumeration value users see, answered with its display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    Role(Role),
    Level(Level),
    SchoolType(SchoolType),
    DistrictKind(&'static str),
    /// Any other enumeration: a group of [`GROUPS`] and one of its codes.
    Code(&'static str, &'static str),
}

/// District kinds of the reference data.
pub const DISTRICT_KINDS: [&str; 3] = ["district", "county", "autonomous_county"];

/// Enumerations whose codes are plain strings, with every code they have.
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "filing_status",
        &[
            "draft",
            "submitted",
            "accepted",
            "under_evaluation",
            "approved",
            "rejected",
            "returned",
            "withdrawn",
        ],
    ),
    (
        "filing_action",
        &[
            "edit",
            "submit",
            "accept",
            "return",
            "assign_experts",
            "evaluate",
            "approve",
            "reject",
            "withdraw",
        ],
    ),
    ("filing_kind", &["initial", "renewal", "change"]),
    ("institution_status", &["active", "expired", "suspended", "cancelled"]),
    ("standard_kind", &["national_standard", "evaluation_norm"]),
    ("recommendation", &["approve", "reject", "revise"]),
    ("ownership", &["owned", "leased", "shared"]),
    ("attachment_purpose", &["commitment", "agreement", "legal_person_certificate", "other"]),
    ("access_verification", &["confirmed", "unverified"]),
    ("plan_status", &["draft", "filed", "returned", "acknowledged", "cancelled"]),
    ("plan_action", &["edit", "file", "acknowledge", "return", "cancel", "withdraw_candidate"]),
    ("plan_phase", &["assessment", "publicity", "reported", "review_returned", "reviewed"]),
    (
        "result_action",
        &["record", "publish", "answer", "report", "review", "photo", "issue", "revoke", "reissue"],
    ),
    ("certificate_status", &["valid", "revoked", "superseded"]),
    ("session_kind", &["theory", "practical", "enterprise_evaluation", "competition", "process"]),
    ("gender", &["male", "female"]),
    ("review_status", &["pending", "approved", "rejected"]),
    ("complaint_status", &["received", "assigned", "closed"]),
    ("complaint_target", &["institution", "plan", "certificate"]),
    ("complaint_action", &["assign", "note", "close"]),
    ("sanction", &["none", "warning", "suspension", "cancellation"]),
    ("inspection_kind", &["on_site", "special", "comprehensive"]),
    ("inspection_result", &["pass", "rectify", "fail"]),
    ("integrity_grade", &["A", "B", "C", "D"]),
];

/// The static code in `group` equal to `code`, if any (to build a [`Name::Code`] from stored text).
pub fn group_code(group: &str, code: &str) -> Option<(&'static str, &'static str)> {
    GROUPS
        .iter()
        .find(|(g, _)| *g == group)
        .and_then(|(g, codes)| codes.iter().find(|c| **c == code).map(|c| (*g, *c)))
}

impl Name {
    /// The catalogue key, e.g. `level.3`.
    pub fn key(self) -> String {
        let (group, code) = self.parts();
        format!("{group}.{code}")
    }

    /// The two halves of the catalogue key: the group and the code.
    pub fn parts(self) -> (&'static str, &'static str) {
        match self {
            Name::Role(r) => ("role", r.code()),
            Name::Level(l) => ("level", l.code()),
            Name::SchoolType(t) => ("school_type", t.code()),
            Name::DistrictKind(k) => ("district_kind", k),
            Name::Code(group, code) => (group, code),
        }
    }

    /// Every name the catalogue must hold.
    pub fn all() -> Vec<Name> {
        let mut v: Vec<Name> = Role::ALL.into_iter().map(Name::Role).collect();
        v.extend(Level::ALL.into_iter().map(Name::Level));
        v.extend(SchoolType::ALL.into_iter().map(Name::SchoolType));
        v.extend(DISTRICT_KINDS.into_iter().map(Name::DistrictKind));
        for (group, codes) in GROUPS {
            v.extend(codes.iter().map(|c| Name::Code(group, c)));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_list_exactly_the_domain_codes() {
        let filing: Vec<&str> = domain::filing::FilingStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(GROUPS[0].1, filing.as_slice());
        let inst: Vec<&str> = domain::institution::InstitutionStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(GROUPS[3].1, inst.as_slice());
        assert_eq!(group_code("filing_status", "approved"), Some(("filing_status", "approved")));
        assert_eq!(group_code("filing_status", "nope"), None);
    }
}
