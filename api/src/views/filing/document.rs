//! Over 400 lines: Annex 1–3 of the notice, field by field, with their checks.
//!
//! The application document: Annex 1 (form), Annex 2 (work plan, nine sections) and Annex 3
//! (authenticity commitment). Drafts may be partial; types and formats are checked on every save,
//! completeness and the rules of the notice at submission.

use crate::i18n::Rule;
use crate::validate::{self, Errors};
use chrono::NaiveDate;
use domain::occupation::OccupationCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Annex 1–3 of a filing application.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct FilingDocument {
    /// Annex 1: basic information.
    #[validate(nested)]
    pub basic: BasicInfo,
    /// Annex 1: the occupations applied for, one row per occupation × work type × level.
    #[validate(length(max = 500, code = "too_long"), nested)]
    pub occupations: Vec<OccupationRow>,
    /// Main majors (主干专业) and strengths; marks majors that run a 预备技师班.
    #[validate(nested)]
    pub majors: Vec<Major>,
    /// Sites (场地).
    #[validate(nested)]
    pub sites: Vec<Site>,
    /// Equipment (设施设备).
    #[validate(nested)]
    pub equipment: Vec<Equipment>,
    /// Computer exam-management configuration (计算机考试管理系统配置).
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub exam_management: Option<String>,
    /// Video-monitoring configuration (视频监控配置).
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub video_monitoring: Option<String>,
    /// Full-time staff (专职工作人员).
    #[validate(length(max = 500, code = "too_long"), nested)]
    pub staff: Vec<StaffMember>,
    /// Experts (专家).
    #[validate(nested)]
    pub experts: Vec<Expert>,
    /// Examiners (考评人员): at least 3 per occupation (R4).
    #[validate(length(max = 500, code = "too_long"), nested)]
    pub examiners: Vec<Examiner>,
    /// Internal supervisors (内部督导人员).
    #[validate(nested)]
    pub supervisors: Vec<Supervisor>,
    /// Annex 2: the work plan.
    #[validate(nested)]
    pub work_plan: WorkPlan,
    /// Annex 3: the authenticity commitment.
    #[validate(nested)]
    pub commitment: Commitment,
}

impl FilingDocument {
    /// The agreement attachments of the experts, examiners and supervisors, to be rewritten.
    pub fn agreements_mut(&mut self) -> impl Iterator<Item = &mut Option<Uuid>> {
        let experts = self.experts.iter_mut().map(|p| &mut p.agreement_attachment_id);
        let examiners = self.examiners.iter_mut().map(|p| &mut p.agreement_attachment_id);
        let supervisors = self.supervisors.iter_mut().map(|p| &mut p.agreement_attachment_id);
        experts.chain(examiners).chain(supervisors)
    }
}

/// Annex 1 basic information. Phone numbers are shown masked to everyone but the school and
/// the bureau.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct BasicInfo {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::line::<200>"))]
    pub registered_address: Option<String>,
    #[validate(custom(function = "validate::line::<200>"))]
    pub office_address: Option<String>,
    /// 登记管理机关.
    #[validate(custom(function = "validate::line::<100>"))]
    pub registration_authority: Option<String>,
    #[validate(custom(function = "validate::credit_code"))]
    pub credit_code: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub old_station_code: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub legal_representative: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub legal_representative_position: Option<String>,
    #[validate(custom(function = "validate::line::<20>"))]
    pub landline: Option<String>,
    #[validate(custom(function = "validate::line::<20>"))]
    pub mobile: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub contact_name: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub contact_position: Option<String>,
    #[validate(custom(function = "validate::line::<20>"))]
    pub contact_landline: Option<String>,
    #[validate(custom(function = "validate::line::<20>"))]
    pub contact_mobile: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub email: Option<String>,
}

/// One occupation row.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct OccupationRow {
    /// The existing major the row belongs to (a `majors[].name`).
    #[validate(custom(function = "validate::line::<100>"))]
    pub major: Option<String>,
    #[schema(example = "6-18-01-01")]
    #[validate(custom(function = "validate::occupation_code"))]
    pub occupation_code: Option<String>,
    /// 工种, if any.
    #[validate(custom(function = "validate::line::<50>"))]
    pub work_type: Option<String>,
    #[schema(value_type = Option<crate::schemas::LevelCodeSchema>)]
    #[validate(custom(function = "validate::level"))]
    pub level: Option<String>,
    /// The basis standard (`/api/v1/standards`) for this occupation and level (R5).
    pub standard_id: Option<Uuid>,
}

/// A main major.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Major {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub strengths: Option<String>,
    /// Runs a preparatory technician class (预备技师班): needed for level 9 (R2).
    pub preparatory_technician_class: bool,
}

/// A site.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Site {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::line::<200>"))]
    pub address: Option<String>,
    #[validate(custom(function = "check_area"))]
    pub area_m2: Option<f64>,
    #[validate(custom(function = "validate::lines::<500>"))]
    pub purpose: Option<String>,
}

/// A piece of equipment.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Equipment {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub brand: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub model: Option<String>,
    #[validate(range(min = 1, max = 1_000_000, code = "out_of_range"))]
    pub quantity: Option<u32>,
    /// `owned`, `leased` or `shared`.
    #[validate(custom(function = "check_ownership"))]
    pub ownership: Option<String>,
}

/// A full-time staff member.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct StaffMember {
    #[validate(custom(function = "validate::line::<50>"))]
    pub name: Option<String>,
    /// 公民身份号码 (validated; masked to all but the school and the bureau).
    #[validate(custom(function = "validate::resident_id"))]
    pub id_number: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub position: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub education: Option<String>,
    #[validate(custom(function = "validate::lines::<500>"))]
    pub duties: Option<String>,
}

/// An expert.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Expert {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::resident_id"))]
    pub id_number: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub education: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub field: Option<String>,
    /// Title or skill level (职称/技能等级).
    #[validate(custom(function = "validate::line::<100>"))]
    pub title: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub employer: Option<String>,
    /// From outside the school: needs an `agreement` attachment.
    pub external: bool,
    pub agreement_attachment_id: Option<Uuid>,
}

/// An examiner (考评人员).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Examiner {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::resident_id"))]
    pub id_number: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub certificate_number: Option<String>,
    /// The occupations they examine.
    #[validate(custom(function = "check_occupation_codes"))]
    pub occupation_codes: Vec<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub title: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub education: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub employer: Option<String>,
    pub external: bool,
    pub agreement_attachment_id: Option<Uuid>,
}

/// An internal supervisor (内部督导人员).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Supervisor {
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::resident_id"))]
    pub id_number: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub title: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub education: Option<String>,
    #[validate(custom(function = "validate::line::<100>"))]
    pub employer: Option<String>,
    pub external: bool,
    pub agreement_attachment_id: Option<Uuid>,
}

/// Annex 2: the nine sections of the work plan.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct WorkPlan {
    /// 学校概况.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub school_overview: Option<String>,
    /// 总体方案.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub overall_plan: Option<String>,
    /// 组织机构及职责.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub organisation: Option<String>,
    /// 职业（工种）、等级、评价标准及题库.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub occupations_and_standards: Option<String>,
    /// 专业设置、课程与教学与职业的衔接.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub teaching_alignment: Option<String>,
    /// 考务、质量和证书管理制度.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub management_rules: Option<String>,
    /// 收费标准及管理.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub fees: Option<String>,
    /// 评价内容和方式.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub assessment: Option<String>,
    /// 其他.
    #[validate(custom(function = "validate::lines::<20000>"))]
    pub other: Option<String>,
}

/// Annex 3: the commitment, signed by the legal representative and sealed.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct Commitment {
    #[validate(custom(function = "validate::line::<50>"))]
    pub legal_representative: Option<String>,
    pub signed_on: Option<NaiveDate>,
    /// The signed and sealed scan (attachment with purpose `commitment`).
    pub attachment_id: Option<Uuid>,
}

/// The work-plan sections as (field, value).
pub fn work_plan_sections(w: &WorkPlan) -> [(&'static str, &Option<String>); 9] {
    [
        ("school_overview", &w.school_overview),
        ("overall_plan", &w.overall_plan),
        ("organisation", &w.organisation),
        ("occupations_and_standards", &w.occupations_and_standards),
        ("teaching_alignment", &w.teaching_alignment),
        ("management_rules", &w.management_rules),
        ("fees", &w.fees),
        ("assessment", &w.assessment),
        ("other", &w.other),
    ]
}

/// An area in square metres: above 0, below 10,000,000.
fn check_area(a: f64) -> Result<(), validator::ValidationError> {
    if a.is_finite() && a > 0.0 && a < 10_000_000.0 {
        Ok(())
    } else {
        Err(validate::rule(Rule::OutOfRange, &[("min", &0), ("max", &10_000_000)]))
    }
}

/// `owned`, `leased` or `shared`.
fn check_ownership(s: &str) -> Result<(), validator::ValidationError> {
    validate::one_of(s, &["owned", "leased", "shared"])
}

/// Occupation codes of the national classification, each well formed.
fn check_occupation_codes(codes: &[String]) -> Result<(), validator::ValidationError> {
    match codes.iter().position(|c| OccupationCode::parse(c).is_none()) {
        Some(i) => Err(validate::rule(Rule::InvalidOccupationCode, &[(validate::ITEM, &i)])),
        None => Ok(()),
    }
}

/// Checks formats on save (the rules declared on the types above: text lengths, control
/// characters, ID numbers, codes, levels, enumerations). Every problem at once.
pub fn check_formats(d: &FilingDocument) -> Errors {
    Errors::of(d)
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Parts that Annex 1–3 require and this document lacks (R7), as field paths. `attachments`
/// are the ids and purposes of the application's uploaded files.
pub fn missing_parts(d: &FilingDocument, attachments: &[(Uuid, String)]) -> Vec<(String, Rule)> {
    let mut out = Vec::new();
    let b = &d.basic;
    for (f, v) in [
        ("name", &b.name),
        ("registered_address", &b.registered_address),
        ("office_address", &b.office_address),
        ("credit_code", &b.credit_code),
        ("legal_representative", &b.legal_representative),
        ("contact_name", &b.contact_name),
        ("contact_mobile", &b.contact_mobile),
    ] {
        if blank(v) {
            out.push((format!("basic.{f}"), Rule::Missing));
        }
    }
    for (f, n) in [
        ("occupations", d.occupations.len()),
        ("majors", d.majors.len()),
        ("sites", d.sites.len()),
        ("equipment", d.equipment.len()),
        ("staff", d.staff.len()),
        ("experts", d.experts.len()),
        ("examiners", d.examiners.len()),
        ("supervisors", d.supervisors.len()),
    ] {
        if n == 0 {
            out.push((f.into(), Rule::Missing));
        }
    }
    for (i, r) in d.occupations.iter().enumerate() {
        for (f, missing) in [
            ("major", blank(&r.major)),
            ("occupation_code", blank(&r.occupation_code)),
            ("level", blank(&r.level)),
        ] {
            if missing {
                out.push((format!("occupations[{i}].{f}"), Rule::Missing));
            }
        }
    }
    if blank(&d.exam_management) {
        out.push(("exam_management".into(), Rule::Missing));
    }
    if blank(&d.video_monitoring) {
        out.push(("video_monitoring".into(), Rule::Missing));
    }
    let has = |id: &Option<Uuid>, purpose: &str| {
        id.is_some_and(|id| attachments.iter().any(|(a, p)| *a == id && p == purpose))
    };
    let people = d
        .staff
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("staff[{i}]"), &p.name, &p.id_number, false, &None))
        .chain(d.experts.iter().enumerate().map(|(i, p)| {
            (format!("experts[{i}]"), &p.name, &p.id_number, p.external, &p.agreement_attachment_id)
        }))
        .chain(d.examiners.iter().enumerate().map(|(i, p)| {
            (format!("examiners[{i}]"), &p.name, &p.id_number, p.external, &p.agreement_attachment_id)
        }))
        .chain(d.supervisors.iter().enumerate().map(|(i, p)| {
            (format!("supervisors[{i}]"), &p.name, &p.id_number, p.external, &p.agreement_attachment_id)
        }));
    for (at, name, id, external, agreement) in people {
        if blank(name) {
            out.push((format!("{at}.name"), Rule::Missing));
        }
        if blank(id) {
            out.push((format!("{at}.id_number"), Rule::Missing));
        }
        if external && !has(agreement, "agreement") {
            out.push((format!("{at}.agreement_attachment_id"), Rule::AgreementRequired));
        }
    }
    for (i, p) in d.examiners.iter().enumerate() {
        if blank(&p.certificate_number) {
            out.push((format!("examiners[{i}].certificate_number"), Rule::Missing));
        }
    }
    for (f, v) in work_plan_sections(&d.work_plan) {
        if blank(v) {
            out.push((format!("work_plan.{f}"), Rule::Missing));
        }
    }
    if blank(&d.commitment.legal_representative) {
        out.push(("commitment.legal_representative".into(), Rule::Missing));
    }
    if d.commitment.signed_on.is_none() {
        out.push(("commitment.signed_on".into(), Rule::Missing));
    }
    if !has(&d.commitment.attachment_id, "commitment") {
        out.push(("commitment.attachment_id".into(), Rule::Missing));
    }
    out
}

/// Hides ID numbers and phone numbers in a document's JSON (for experts, districts, the centre).
pub fn mask_personal(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                let sensitive = k == "id_number"
                    || k.ends_with("mobile")
                    || k.ends_with("landline")
                    || k.ends_with("phone");
                if sensitive && let serde_json::Value::String(s) = val {
                    *s = mask(s);
                } else {
                    mask_personal(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_personal),
        _ => {}
    }
}

fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep = 2;
    let mut out: String = chars[..keep].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 2 * keep));
    out.extend(&chars[chars.len() - keep..]);
    out
}
