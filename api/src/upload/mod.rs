//! Uploaded files, bounded before any work that grows with what they claim.
//!
//! Every upload (candidate imports, candidate photos, application attachments) goes through this
//! module: the body is read up to a byte limit, spreadsheets are read as a stream of cells after
//! their ZIP directory, declared dimension and inflated size have been checked
//! ([`sheet`]), and images are checked against a pixel limit before their data are decoded,
//! then decoded to prove that the data hold what the header claims ([`image`]). A file over a
//! limit is answered 413 `upload_limit`, naming the limit in `errors` (field and rule code) in the
//! caller's language; nothing is written. The limits are documented in the README and
//! docs/SECURITY.md.

pub mod image;
pub mod photo;
pub mod sheet;

use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use actix_web::web;
use futures_util::StreamExt as _;

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Largest candidate import file, as sent (CSV or XLSX).
pub const IMPORT_BYTES: usize = 32 * 1024 * 1024;
/// Most data rows in one import (the header row not counted).
pub const IMPORT_ROWS: usize = 100_000;
/// Most columns a sheet may declare or use (the import knows 12).
pub const IMPORT_COLUMNS: usize = 32;
/// Longest cell, in bytes of UTF-8 text.
pub const IMPORT_CELL_BYTES: usize = 1_000;
/// Longest CSV record (line), in bytes.
pub const IMPORT_LINE_BYTES: usize = 16 * 1024;
/// Most text kept from all the cells of one import, in bytes (shared strings can repeat one long
/// text in every cell: this bounds the memory an import takes whatever the file's size).
pub const IMPORT_TEXT_BYTES: usize = 48 * 1024 * 1024;
/// Most parts (ZIP entries) in an XLSX file; a workbook of one sheet has about ten.
pub const XLSX_PARTS: usize = 200;
/// Largest inflated size of all the parts of an XLSX file together (a zip bomb of a few MB
/// inflates to gigabytes). 100,000 honest rows of twelve columns take about 80 MiB.
pub const XLSX_INFLATED_BYTES: u64 = 160 * 1024 * 1024;
/// Largest inflated shared-strings part (each string is kept in memory while the sheet is read).
pub const XLSX_SHARED_STRINGS_BYTES: u64 = 16 * 1024 * 1024;
/// Largest candidate photo file.
pub const PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// Most pixels a candidate photo may have (a 2-inch photo at 600 dpi has about 1.1 million); it
/// is decoded at upload, so this bounds that work and its memory (3 bytes a pixel).
pub const PHOTO_PIXELS: u64 = 12_000_000;
/// Largest application attachment.
pub const ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Most pixels an image attachment may declare (an A4 scan at 600 dpi has about 35 million).
pub const ATTACHMENT_PIXELS: u64 = 60_000_000;

/// 413 `upload_limit`: the file breaks one of the limits above; `field` names what was counted
/// (`file`, `rows`, `rows[7].columns[3]`, `photo`) and `rule` the limit, with its value.
pub fn limit(field: impl Into<String>, rule: Rule, max: impl ToString) -> ApiError {
    let errors = vec![FieldError::new(field, rule).with("max", max)];
    ApiError { errors, ..ApiError::new(Problem::UploadLimit) }
}

/// The longest a request body may take to arrive, whatever its pace.
pub const BODY_SECONDS: u64 = 120;

/// How long a client refused for the body budget is asked to wait.
const BUSY_RETRY_SECONDS: u64 = 5;

/// When a request body must have arrived, how long it may pause between two chunks
/// (`SKILLCERT_BODY_IDLE_SECONDS`), and its share of the bytes all bodies being received may
/// hold together (`SKILLCERT_BODY_BUDGET_MIB`): a client that trickles a large body, or stops
/// before its end, is answered 408 and its buffer freed, instead of pinning it for ever; while
/// the budget is spent, a new chunk is answered 503 `server_busy` with `Retry-After` at once.
/// The budget taken is given back when this is dropped, as the body has been read.
#[derive(Debug)]
pub struct BodyDeadline {
    at: tokio::time::Instant,
    idle: std::time::Duration,
    budget: Option<std::sync::Arc<tokio::sync::Semaphore>>,
    /// KiB permits taken so far, and the bytes they cover.
    held: Option<tokio::sync::OwnedSemaphorePermit>,
    covered: usize,
}

impl BodyDeadline {
    /// From now, with the given longest pause and budget (none: unbounded).
    pub fn new(
        idle: std::time::Duration,
        budget: Option<std::sync::Arc<tokio::sync::Semaphore>>,
    ) -> BodyDeadline {
        BodyDeadline {
            at: tokio::time::Instant::now() + std::time::Duration::from_secs(BODY_SECONDS),
            idle,
            budget,
            held: None,
            covered: 0,
        }
    }

    /// The one of the request's application.
    pub fn of(req: &actix_web::HttpRequest) -> BodyDeadline {
        match req.app_data::<web::Data<crate::state::AppState>>() {
            Some(s) => BodyDeadline::new(s.body_idle, Some(s.body_budget.clone())),
            None => BodyDeadline::new(std::time::Duration::from_secs(15), None),
        }
    }

    /// Takes budget for `len` more bytes of body (whole KiB), or refuses with 503.
    fn take(&mut self, len: usize) -> Result<(), ApiError> {
        let Some(budget) = &self.budget else { return Ok(()) };
        let total = self.covered + len;
        let needed = total.div_ceil(1024) - self.covered.div_ceil(1024);
        if needed > 0 {
            let permits = u32::try_from(needed).unwrap_or(u32::MAX);
            let Ok(more) = budget.clone().try_acquire_many_owned(permits) else {
                crate::context::with_request_id(
                    |id| tracing::warn!(request_id = %id, "request body refused: the body budget is spent"),
                );
                let mut busy = ApiError::new(Problem::ServerBusy).with("seconds", BUSY_RETRY_SECONDS);
                busy.retry_after = Some(BUSY_RETRY_SECONDS);
                return Err(busy);
            };
            match &mut self.held {
                Some(held) => held.merge(more),
                None => self.held = Some(more),
            }
        }
        self.covered = total;
        Ok(())
    }

    /// The next chunk of a body, or 408 when the body is late (503 when the process holds as
    /// many body bytes as it may). A chunk that is already there (most small bodies arrive with
    /// their headers) is taken without a timer.
    pub async fn next<S>(&mut self, stream: &mut S) -> Result<Option<web::Bytes>, ApiError>
    where
        S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
    {
        use futures_util::FutureExt as _;
        let item = match stream.next().now_or_never() {
            Some(item) => item,
            None => {
                let until = self.at.min(tokio::time::Instant::now() + self.idle);
                match tokio::time::timeout_at(until, stream.next()).await {
                    Ok(item) => item,
                    Err(_) => {
                        return Err(
                            ApiError::new(Problem::RequestTimeout).with("seconds", self.idle.as_secs())
                        );
                    }
                }
            }
        };
        match item {
            None => Ok(None),
            Some(Ok(chunk)) => {
                self.take(chunk.len())?;
                Ok(Some(chunk))
            }
            Some(Err(_)) => Err(ApiError::new(Problem::BadRequest)),
        }
    }
}

/// Reads a request body of at most `max` bytes; a longer one is refused (413) as soon as it
/// passes the limit, without reading the rest; a late one 408.
pub async fn read_body(
    req: &actix_web::HttpRequest,
    mut payload: web::Payload,
    max: usize,
) -> Result<web::Bytes, ApiError> {
    let mut deadline = BodyDeadline::of(req);
    let mut body = web::BytesMut::new();
    while let Some(chunk) = deadline.next(&mut payload).await? {
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(Problem::PayloadTooLarge).with("limit_kib", max / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The media type of a request, lower-cased, without parameters.
pub fn media_type(req: &actix_web::HttpRequest) -> String {
    let raw = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// 422 for a file whose bytes are not what its (acceptable) Content-Type says: the header was
/// fine, the content is not (a 415 is for a Content-Type that is not accepted at all).
pub fn content_mismatch(field: &str, declared: &str, bytes: &[u8]) -> ApiError {
    let found =
        sniff(bytes).unwrap_or(if bytes.contains(&0) { "application/octet-stream" } else { "text/plain" });
    ApiError::validation(vec![
        FieldError::new(field, Rule::ContentTypeMismatch).with("declared", declared).with("found", found),
    ])
}

/// The media type a file's first bytes show, if it is one we accept anywhere.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("application/zip")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn file_types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]), Some("image/png"));
        assert_eq!(sniff(b"PK\x03\x04"), Some("application/zip"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(sniff(b""), None);
    }
}
