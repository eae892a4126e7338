//! Attachments of an application: PDF, JPEG or PNG, typed from their bytes, size-limited,
//! SHA-256 recorded, stored under the attachment directory and served only to those who may see
//! the application.

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiQuery;
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::upload::{self as uploads, image};
use crate::use_case::{self, filings};
use crate::validate::Errors;
use crate::views::filing::{self, FilingView};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::Role;
use domain::filing::FilingAction;
use persistence::entity::attachment;
use persistence::repo;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

/// Largest attachment accepted.
pub const MAX_BYTES: usize = uploads::ATTACHMENT_BYTES;

/// What the upload is.
#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `commitment` (Annex 3 scan), `agreement` (outside people), `legal_person_certificate` or `other`.
    #[validate(custom(function = "check_purpose"))]
    pub purpose: String,
    /// The original file name.
    #[validate(custom(function = "crate::validate::line::<200>"))]
    pub file_name: String,
}

/// What an attachment is for.
fn check_purpose(s: &str) -> Result<(), validator::ValidationError> {
    crate::validate::one_of(s, &["commitment", "agreement", "legal_person_certificate", "other"])
}

/// 上传备案附件
///
/// 上传备案附件（学校，在申请可编辑时）：请求体为文件本身，Content-Type 为 application/pdf、
/// image/jpeg 或 image/png。
///
/// Upload an attachment (school, while the application is editable): the raw file as the body,
/// with `Content-Type` `application/pdf`, `image/jpeg` or `image/png`, at most 10 MiB. The type is
/// checked from the bytes.
#[utoipa::path(
    operation_id = "uploadFilingAttachment",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The file (also image/jpeg or image/png)"),
    responses(
        (status = 201, description = "Stored; the application", body = FilingView),
        (status = 413, description = "Over 10 MiB, or an image over the pixel limit", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG or PNG", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/attachments")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: ApiQuery<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (f, _) = filing::load(&state.db, &caller, *id).await?;
    if caller.role != Role::School {
        return Err(ApiError::forbidden());
    }
    filings::next_status(&f, FilingAction::Edit)?;
    let q = query.0;
    Errors::of(&q).finish()?;
    let file_name = crate::validate::trimmed(&q.file_name);
    let allowed = "application/pdf, image/jpeg, image/png";
    let declared = uploads::media_type(&req);
    if !matches!(declared.as_str(), "application/pdf" | "image/jpeg" | "image/png") {
        return Err(ApiError::new(Problem::UnsupportedFileType).with("allowed", allowed));
    }
    let body = uploads::read_body(&req, payload, MAX_BYTES).await?;
    if uploads::sniff(&body) != Some(declared.as_str()) {
        return Err(uploads::content_mismatch("file", &declared, &body));
    }
    // Images are not decoded here (nothing renders them), but their header must be readable and
    // within the pixel limit, so that whoever opens them later is not handed a decompression bomb.
    if declared.starts_with("image/") {
        match image::bounded(&body, uploads::ATTACHMENT_PIXELS) {
            Ok(_) => {}
            Err(image::ImageError::TooManyPixels { width, height }) => {
                return Err(ApiError {
                    errors: vec![
                        FieldError::new("file", Rule::TooManyPixels)
                            .with("width", width)
                            .with("height", height)
                            .with("max", uploads::ATTACHMENT_PIXELS),
                    ],
                    ..ApiError::new(Problem::UploadLimit)
                });
            }
            Err(_) => {
                return Err(ApiError::validation(vec![
                    FieldError::new("file", Rule::FileUnreadable).with("format", declared.as_str()),
                ]));
            }
        }
    }
    let sha256: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
    let attachment_id = Uuid::now_v7();
    let storage_key = format!("{}/{}", f.id, attachment_id);
    let path = state.attachments_dir.join(&storage_key);
    let bytes = body;
    let write_path = path.clone();
    web::block(move || -> std::io::Result<()> {
        if let Some(dir) = write_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = write_path.with_extension("part");
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &write_path)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;

    let a = attachment::Model {
        id: attachment_id,
        filing_id: f.id,
        purpose: q.purpose.clone(),
        file_name,
        media_type: declared.clone(),
        size_bytes: body_len(&path),
        sha256,
        storage_key,
        uploaded_by: caller.id(),
        created_at: state.clock.now(),
    };
    let result = async {
        let bumped = use_case::run(&state, caller.actor(), async |c| filings::attach(c, a).await).await?;
        filing::of(&state.db, &caller, bumped, &state.data_key, lang).await
    }
    .await;
    match result {
        Ok(v) => Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/filings/{}/attachments/{attachment_id}", f.id)))
            .insert_header(("ETag", filing::etag(v.version)))
            .json(v)),
        Err(e) => {
            // Nothing was recorded: do not keep an orphan file.
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

fn body_len(path: &std::path::Path) -> i64 {
    std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0)
}

/// 下载备案附件
///
/// 下载备案附件（可查看该申请者）。
///
/// Download an attachment (whoever may see the application).
#[utoipa::path(
    operation_id = "downloadFilingAttachment",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>))
)]
#[get("/filings/{id}/attachments/{attachment_id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let (f, _) = filing::load(&state.db, &caller, id).await?;
    let a = repo::filing::attachment(&state.db, attachment_id)
        .await?
        .filter(|a| a.filing_id == f.id)
        .ok_or_else(ApiError::not_found)?;
    let file = state.attachments_dir.join(&a.storage_key);
    let bytes = web::block(move || std::fs::read(file))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let encoded: String = a
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(a.media_type)
        .insert_header(("Content-Disposition", format!("attachment; filename*=UTF-8''{encoded}")))
        .insert_header(("X-Content-SHA256", a.sha256))
        .body(bytes))
}
