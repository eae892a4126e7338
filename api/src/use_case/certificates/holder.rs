//! The holder's own certificate (issue 26, point 7): anyone holding the certificate code (or the
//! QR code's token), the holder's full name and resident ID number takes the e-certificate PDF,
//! without an account. The ID number is compared through its lookup hash, never stored or logged
//! from the request. Every kind of miss (no such code, another name, another number, a number of
//! the wrong form, a certificate no longer valid) is the same `None`, so an answer tells nothing
//! more than that the three did not match a valid certificate.

use super::super::Change;
use crate::error::ApiError;
use crate::i18n::Problem;
use crate::state::AppState;
use persistence::entity::certificate;
use persistence::repo;
use persistence::sealed::DataKey;

/// How the holder names the certificate.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// The 22-character code printed on it (case and surrounding spaces do not matter).
    Code(&'a str),
    /// The token of its QR code's URL.
    Token(&'a str),
}

/// The certificate and its holder's ID number opened, when `which`, `name` and `id_number` match
/// one valid certificate; otherwise `None`, whatever did not match.
pub async fn find(
    db: &impl persistence::ConnectionTrait,
    data_key: &DataKey,
    which: Which<'_>,
    name: &str,
    id_number: &str,
) -> Result<Option<(certificate::Model, String)>, ApiError> {
    let Ok(id) = domain::ResidentId::parse(id_number.trim()) else {
        return Ok(None);
    };
    // A code or token holds letters, digits, `-` and `_` only: anything else (a NUL character,
    // which PostgreSQL refuses in text) matches nothing and is not sent to the database.
    let plain =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let found = match which {
        Which::Code(code) if plain(code.trim()) => {
            repo::certificate::by_code(db, &code.trim().to_uppercase()).await?
        }
        Which::Token(token) if plain(token.trim()) => repo::certificate::by_token(db, token.trim()).await?,
        _ => None,
    };
    let Some(c) = found else {
        return Ok(None);
    };
    let hash = data_key.hash(id.as_str());
    let valid = c.certificate_status()? == domain::certificate::CertificateStatus::Valid;
    if !valid || c.holder_name != name.trim() || c.id_hash.as_deref() != Some(hash.as_str()) {
        return Ok(None);
    }
    let opened = super::open_id(data_key, &c.id_sealed)?;
    Ok(Some((c, opened)))
}

/// The e-certificate PDF and its code when `which`, `name` and `id_number` match a valid
/// certificate (`None` for every kind of miss), its download recorded in the audit log.
pub async fn download(
    state: &AppState,
    which: Which<'_>,
    name: &str,
    id_number: &str,
) -> Result<Option<(String, Vec<u8>)>, ApiError> {
    let Some((c, id_number)) = find(&state.db, &state.data_key, which, name, id_number).await? else {
        return Ok(None);
    };
    let code = c.code.clone();
    let (public_url, dir) = (state.public_url.clone(), state.attachments_dir.clone());
    let no_photo =
        ApiError::new(Problem::CertificateWithoutPhoto).with("count", 1).with("code", code.as_str());
    let bytes = tokio::task::spawn_blocking(move || {
        crate::pdf::certificate::of_record(&c, &id_number, &public_url, &dir)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        crate::pdf::PdfError::NoPhoto => no_photo,
        e => ApiError::internal(e),
    })?;
    super::super::run(state, persistence::repo::audit::Actor::nobody(), async |change| {
        downloaded(change, &code)
    })
    .await?;
    Ok(Some((code, bytes)))
}

/// The signed verifiable credential and its code when `which`, `name` and `id_number` match a
/// valid certificate (`None` for every kind of miss), its download recorded in the audit log.
pub async fn credential(
    state: &AppState,
    which: Which<'_>,
    name: &str,
    id_number: &str,
) -> Result<Option<(String, serde_json::Value)>, ApiError> {
    let Some((c, id_number)) = find(&state.db, &state.data_key, which, name, id_number).await? else {
        return Ok(None);
    };
    let code = c.code.clone();
    let signed = super::credential::signed(state, c, id_number).await?;
    super::super::run(state, persistence::repo::audit::Actor::nobody(), async |change| {
        super::credential::downloaded(change, &code, true)
    })
    .await?;
    Ok(Some((code, signed)))
}

/// Records that the holder took certificate `code` as a PDF (`certificate.downloaded_by_holder`):
/// it shows the full ID number, as a staff download does.
pub fn downloaded(change: &mut Change, code: &str) -> Result<(), ApiError> {
    change.record(
        "certificate.downloaded_by_holder",
        ("certificate", code.to_owned()),
        serde_json::json!({"format": "pdf", "full_id_numbers": true}),
    );
    Ok(())
}
