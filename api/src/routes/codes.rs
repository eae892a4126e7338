//! Decoding certificate codes (Annex 6) for front-ends.

use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::i18n::{self, Name, Problem, Rule};
use actix_web::{HttpResponse, get, web};
use domain::{CertificateCode, CodeError, CodeErrorKind, Level};
use serde::Serialize;
use utoipa::ToSchema;

/// A certificate code taken apart.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecodedCode {
    #[schema(example = "S000050000001204000001")]
    pub code: String,
    /// Positions 1–13: the institution's filing code.
    #[schema(example = "S000050000001")]
    pub institution_code: String,
    /// Positions 8–13 as a number.
    #[schema(example = 1)]
    pub institution_serial: u32,
    /// The issue year (positions 14–15 are its last two digits).
    #[schema(example = 2020)]
    pub issue_year: i32,
    /// Position 16.
    #[schema(value_type = crate::schemas::LevelCodeSchema, example = "4")]
    pub level: Level,
    #[schema(example = "四级/中级工")]
    pub level_name: String,
    /// Positions 17–22 as a number.
    #[schema(example = 1)]
    pub serial: u32,
}

fn field_error(e: &CodeError) -> FieldError {
    let (rule, found) = match &e.kind {
        CodeErrorKind::Length { expected, actual } => {
            let mut f =
                FieldError::new("code", Rule::CodeLength).with("expected", expected).with("actual", actual);
            f.position = Some(e.position);
            return f;
        }
        CodeErrorKind::NotADigit { found } => {
            let mut f = FieldError::new("code", Rule::CodeNotADigit)
                .with("position", e.position)
                .with("found", found);
            f.position = Some(e.position);
            return f;
        }
        CodeErrorKind::Category { found } => (Rule::CodeCategory, found.to_string()),
        CodeErrorKind::Route { found } => (Rule::CodeRoute, found.clone()),
        CodeErrorKind::Province { found } => (Rule::CodeProvince, found.clone()),
        CodeErrorKind::InstitutionSerial { found } => (Rule::CodeInstitutionSerial, found.clone()),
        CodeErrorKind::Year { found } => (Rule::CodeYear, found.clone()),
        CodeErrorKind::Level { found } => (Rule::CodeLevel, found.to_string()),
        CodeErrorKind::CertificateSerial { found } => (Rule::CodeCertificateSerial, found.clone()),
    };
    let mut f = FieldError::new("code", rule).with("found", found);
    f.position = Some(e.position);
    f
}

/// 解析证书编码
///
/// 把证书编号拆解为各组成部分（R24–R26），或以 422 指出第一个出错的位置。只检查格式，不说明证书是否
/// 存在。
///
/// Decode a certificate code into its parts (R24–R26), or answer 422 naming the first position
/// that is wrong. Checks the form only: it does not say whether such a certificate exists.
#[utoipa::path(
    operation_id = "decodeCertificateCode",
    tag = "codes",
    params(("code" = String, Path, description = "A 22-character certificate code", example = "S000050000001204000001")),
    responses(
        (status = 200, description = "The parts of the code", body = DecodedCode),
        (status = 422, description = "Not a valid code", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[get("/certificate-codes/{code}")]
pub async fn decode(ctx: RequestContext, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let parsed = CertificateCode::parse(&code).map_err(|e| ApiError {
        errors: vec![field_error(&e)],
        ..ApiError::new(Problem::InvalidCertificateCode)
    })?;
    Ok(HttpResponse::Ok().json(DecodedCode {
        code: parsed.to_string(),
        institution_code: parsed.institution().to_string(),
        institution_serial: parsed.institution().serial().get(),
        issue_year: parsed.issue_year(),
        level: parsed.level(),
        level_name: i18n::name(ctx.lang, Name::Level(parsed.level())),
        serial: parsed.serial().get(),
    }))
}
