//! Over 400 lines: Annex 1–3 of the notice, field by field, with their checks.
//!
//! The application document: Annex 1 (form), Annex 2 (work plan, nine sections) and Annex 3
//! (authenticity commitment). Drafts may be partial; types and formats are checked on every save,
//! completeness and the rules of the notice at submission.

use crate::error::FieldError;
use crate::i18n::Rule;
use crate::validate::Errors;
use chrono::NaiveDate;
use domain::ResidentId;
use domain::occupation::OccupationCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Annex 1–3 of a filing application.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FilingDocument {
    /// Annex 1: basic information.
    pub basic: BasicInfo,
    /// Annex 1: the occupations applied for, one row per occupation × work type × level.
    pub occupations: Vec<OccupationRow>,
    /// Main majors (主干专业) and strengths; marks majors that run a 预备技师班.
    pub majors: Vec<Major>,
    /// Sites (场地).
    pub sites: Vec<Site>,
    /// Equipment (设施设备).
    pub equipment: Vec<Equipment>,
    /// Computer exam-management configuration (计算机考试管理系统配置).
    pub exam_management: Option<String>,
    /// Video-monitoring configuration (视频监控配置).
    pub video_monitoring: Option<String>,
    /// Full-time staff (专职工作人员).
    pub staff: Vec<StaffMember>,
    /// Experts (专家).
    pub experts: Vec<Expert>,
    /// Examiners (考评人员): at least 3 per occupation (R4).
    pub examiners: Vec<Examiner>,
    /// Internal supervisors (内部督导人员).
    pub supervisors: Vec<Supervisor>,
    /// Annex 2: the work plan.
    pub work_plan: WorkPlan,
    /// Annex 3: the authenticity commitment.
    pub commitment: Commitment,
}

/// Annex 1 basic information. Phone numbers are shown masked to everyone but the school and
/// the bureau.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BasicInfo {
    pub name: Option<String>,
    pub registered_address: Option<String>,
    pub office_address: Option<String>,
    /// 登记管理机关.
    pub registration_authority: Option<String>,
    pub credit_code: Option<String>,
    pub old_station_code: Option<String>,
    pub legal_representative: Option<String>,
    pub legal_representative_position: Option<String>,
    pub landline: Option<String>,
    pub mobile: Option<String>,
    pub contact_name: Option<String>,
    pub contact_position: Option<String>,
    pub contact_landline: Option<String>,
    pub contact_mobile: Option<String>,
    pub email: Option<String>,
}

/// One occupation row.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OccupationRow {
    /// The existing major the row belongs to (a `majors[].name`).
    pub major: Option<String>,
    #[schema(example = "6-18-01-01")]
    pub occupation_code: Option<String>,
    /// 工种, if any.
    pub work_type: Option<String>,
    #[schema(value_type = Option<crate::schemas::LevelCodeSchema>)]
    pub level: Option<String>,
    /// The basis standard (`/api/v1/standards`) for this occupation and level (R5).
    pub standard_id: Option<Uuid>,
}

/// A main major.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Major {
    pub name: Option<String>,
    pub strengths: Option<String>,
    /// Runs a preparatory technician class (预备技师班): needed for level 9 (R2).
    pub preparatory_technician_class: bool,
}

/// A site.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Site {
    pub name: Option<String>,
    pub address: Option<String>,
    pub area_m2: Option<f64>,
    pub purpose: Option<String>,
}

/// A piece of equipment.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Equipment {
    pub name: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub quantity: Option<u32>,
    /// `owned`, `leased` or `shared`.
    pub ownership: Option<String>,
}

/// A full-time staff member.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StaffMember {
    pub name: Option<String>,
    /// 公民身份号码 (validated; masked to all but the school and the bureau).
    pub id_number: Option<String>,
    pub position: Option<String>,
    pub education: Option<String>,
    pub duties: Option<String>,
}

/// An expert.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Expert {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub education: Option<String>,
    pub field: Option<String>,
    /// Title or skill level (职称/技能等级).
    pub title: Option<String>,
    pub employer: Option<String>,
    /// From outside the school: needs an `agreement` attachment.
    pub external: bool,
    pub agreement_attachment_id: Option<Uuid>,
}

/// An examiner (考评人员).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Examiner {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub certificate_number: Option<String>,
    /// The occupations they examine.
    pub occupation_codes: Vec<String>,
    pub title: Option<String>,
    pub education: Option<String>,
    pub employer: Option<String>,
    pub external: bool,
    pub agreement_attachment_id: Option<Uuid>,
}

/// An internal supervisor (内部督导人员).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Supervisor {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub title: Option<String>,
    pub education: Option<String>,
    pub employer: Option<String>,
    pub external: bool,
    pub agreement_attachment_id: Option<Uuid>,
}

/// Annex 2: the nine sections of the work plan.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WorkPlan {
    /// 学校概况.
    pub school_overview: Option<String>,
    /// 总体方案.
    pub overall_plan: Option<String>,
    /// 组织机构及职责.
    pub organisation: Option<String>,
    /// 职业（工种）、等级、评价标准及题库.
    pub occupations_and_standards: Option<String>,
    /// 专业设置、课程与教学与职业的衔接.
    pub teaching_alignment: Option<String>,
    /// 考务、质量和证书管理制度.
    pub management_rules: Option<String>,
    /// 收费标准及管理.
    pub fees: Option<String>,
    /// 评价内容和方式.
    pub assessment: Option<String>,
    /// 其他.
    pub other: Option<String>,
}

/// Annex 3: the commitment, signed by the legal representative and sealed.
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Commitment {
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

fn text(e: &mut Errors, field: String, v: &Option<String>, max: usize, multi: bool) {
    if let Some(v) = v {
        let r = if multi { domain::text::multi_line(v, max) } else { domain::text::single_line(v, max) };
        match r {
            Ok(_) => {}
            Err(domain::text::TextError::Blank) => e.push(FieldError::new(field, Rule::Blank)),
            Err(domain::text::TextError::TooLong { max }) => {
                e.push(FieldError::new(field, Rule::TooLong).with("max", max))
            }
            Err(domain::text::TextError::ControlCharacter) => {
                e.push(FieldError::new(field, Rule::ControlCharacter))
            }
        }
    }
}

fn id_number(e: &mut Errors, field: String, v: &Option<String>) {
    if let Some(v) = v
        && ResidentId::parse(v.trim()).is_err()
    {
        e.push(FieldError::new(field, Rule::InvalidResidentId));
    }
}

/// Checks formats on save: text lengths, control characters, ID numbers, codes, levels,
/// enumerations. Every problem at once.
pub fn check_formats(d: &FilingDocument) -> Errors {
    let mut e = Errors::default();
    let b = &d.basic;
    for (f, v, max) in [
        ("name", &b.name, 100),
        ("registered_address", &b.registered_address, 200),
        ("office_address", &b.office_address, 200),
        ("registration_authority", &b.registration_authority, 100),
        ("old_station_code", &b.old_station_code, 50),
        ("legal_representative", &b.legal_representative, 50),
        ("legal_representative_position", &b.legal_representative_position, 50),
        ("landline", &b.landline, 20),
        ("mobile", &b.mobile, 20),
        ("contact_name", &b.contact_name, 50),
        ("contact_position", &b.contact_position, 50),
        ("contact_landline", &b.contact_landline, 20),
        ("contact_mobile", &b.contact_mobile, 20),
        ("email", &b.email, 100),
    ] {
        text(&mut e, format!("basic.{f}"), v, max, false);
    }
    if let Some(c) = &b.credit_code
        && domain::CreditCode::parse(c.trim()).is_err()
    {
        e.push(FieldError::new("basic.credit_code", Rule::InvalidCreditCode));
    }
    for (i, r) in d.occupations.iter().enumerate() {
        text(&mut e, format!("occupations[{i}].major"), &r.major, 100, false);
        text(&mut e, format!("occupations[{i}].work_type"), &r.work_type, 50, false);
        if let Some(c) = &r.occupation_code
            && OccupationCode::parse(c).is_none()
        {
            e.push(FieldError::new(format!("occupations[{i}].occupation_code"), Rule::InvalidOccupationCode));
        }
        if let Some(l) = &r.level
            && l.parse::<domain::Level>().is_err()
        {
            e.push(FieldError::new(format!("occupations[{i}].level"), Rule::InvalidLevel));
        }
    }
    for (i, m) in d.majors.iter().enumerate() {
        text(&mut e, format!("majors[{i}].name"), &m.name, 100, false);
        text(&mut e, format!("majors[{i}].strengths"), &m.strengths, 2000, true);
    }
    for (i, s) in d.sites.iter().enumerate() {
        text(&mut e, format!("sites[{i}].name"), &s.name, 100, false);
        text(&mut e, format!("sites[{i}].address"), &s.address, 200, false);
        text(&mut e, format!("sites[{i}].purpose"), &s.purpose, 500, true);
        if s.area_m2.is_some_and(|a| !(a.is_finite() && a > 0.0 && a < 10_000_000.0)) {
            e.push(
                FieldError::new(format!("sites[{i}].area_m2"), Rule::OutOfRange)
                    .with("min", 0)
                    .with("max", 10_000_000),
            );
        }
    }
    for (i, q) in d.equipment.iter().enumerate() {
        for (f, v) in [("name", &q.name), ("brand", &q.brand), ("model", &q.model)] {
            text(&mut e, format!("equipment[{i}].{f}"), v, 100, false);
        }
        if q.quantity == Some(0) || q.quantity.is_some_and(|n| n > 1_000_000) {
            e.push(
                FieldError::new(format!("equipment[{i}].quantity"), Rule::OutOfRange)
                    .with("min", 1)
                    .with("max", 1_000_000),
            );
        }
        if let Some(o) = &q.ownership
            && crate::i18n::group_code("ownership", o).is_none()
        {
            e.push(
                FieldError::new(format!("equipment[{i}].ownership"), Rule::NotOneOf)
                    .with("allowed", "owned, leased, shared"),
            );
        }
    }
    text(&mut e, "exam_management".into(), &d.exam_management, 5000, true);
    text(&mut e, "video_monitoring".into(), &d.video_monitoring, 5000, true);
    for (i, p) in d.staff.iter().enumerate() {
        for (f, v) in [("name", &p.name), ("position", &p.position), ("education", &p.education)] {
            text(&mut e, format!("staff[{i}].{f}"), v, 50, false);
        }
        text(&mut e, format!("staff[{i}].duties"), &p.duties, 500, true);
        id_number(&mut e, format!("staff[{i}].id_number"), &p.id_number);
    }
    for (i, p) in d.experts.iter().enumerate() {
        for (f, v) in [
            ("name", &p.name),
            ("education", &p.education),
            ("field", &p.field),
            ("title", &p.title),
            ("employer", &p.employer),
        ] {
            text(&mut e, format!("experts[{i}].{f}"), v, 100, false);
        }
        id_number(&mut e, format!("experts[{i}].id_number"), &p.id_number);
    }
    for (i, p) in d.examiners.iter().enumerate() {
        for (f, v) in [
            ("name", &p.name),
            ("certificate_number", &p.certificate_number),
            ("title", &p.title),
            ("education", &p.education),
            ("employer", &p.employer),
        ] {
            text(&mut e, format!("examiners[{i}].{f}"), v, 100, false);
        }
        id_number(&mut e, format!("examiners[{i}].id_number"), &p.id_number);
        for (j, c) in p.occupation_codes.iter().enumerate() {
            if OccupationCode::parse(c).is_none() {
                e.push(FieldError::new(
                    format!("examiners[{i}].occupation_codes[{j}]"),
                    Rule::InvalidOccupationCode,
                ));
            }
        }
    }
    for (i, p) in d.supervisors.iter().enumerate() {
        for (f, v) in
            [("name", &p.name), ("title", &p.title), ("education", &p.education), ("employer", &p.employer)]
        {
            text(&mut e, format!("supervisors[{i}].{f}"), v, 100, false);
        }
        id_number(&mut e, format!("supervisors[{i}].id_number"), &p.id_number);
    }
    for (f, v) in work_plan_sections(&d.work_plan) {
        text(&mut e, format!("work_plan.{f}"), v, 20_000, true);
    }
    text(&mut e, "commitment.legal_representative".into(), &d.commitment.legal_representative, 50, false);
    for (f, n) in
        [("occupations", d.occupations.len()), ("staff", d.staff.len()), ("examiners", d.examiners.len())]
    {
        if n > 500 {
            e.push(FieldError::new(f, Rule::TooLong).with("max", 500));
        }
    }
    e
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
