//! Certificates (证书): what happens to one after issuance.

use super::Change;
use crate::error::ApiError;

/// Records that the caller took the e-certificate `code` as a PDF: it shows the holder's full ID
/// number, so every download is an audit event (`certificate.downloaded`).
pub fn downloaded(change: &mut Change, code: &str) -> Result<(), ApiError> {
    change.record(
        "certificate.downloaded",
        ("certificate", code.to_owned()),
        serde_json::json!({"format": "pdf", "full_id_numbers": true}),
    );
    Ok(())
}
