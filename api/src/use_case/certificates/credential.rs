//! Certificates as verifiable credentials (issue 27): the signed Open Badges credential of a
//! certificate (for its institution, the centre and the bureau, and for the holder), the status
//! lists that revoke them, and the DID document that names the keys. Each credential is built and
//! signed when asked for, on a blocking thread: issuance does none of this work.

use crate::credential::{did, document, proof, status};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;
use persistence::entity::certificate;
use persistence::repo;
use serde_json::Value;
use std::sync::Arc;

/// The signed credential of `c`, whose holder's ID number is `id_number` (opened by the caller).
pub async fn signed(state: &AppState, c: certificate::Model, id_number: String) -> Result<Value, ApiError> {
    // The scope stores "no work type" as an empty name; the certificate prints it as `——`.
    let work_type = if c.work_type == domain::certificate::printed_work_type("") { "" } else { &c.work_type };
    let standard =
        repo::credential::standard_of(&state.db, c.institution_id, &c.occupation_code, work_type, &c.level)
            .await?;
    let now = state.clock.now();
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let level_name = crate::i18n::level_name(Lang::ZhCn, &c.level);
        let issuer = state.credentials.issuer(&state.public_url);
        let facts =
            document::Facts { id_number: &id_number, standard: standard.as_ref(), level_name: &level_name };
        let unsigned = document::credential(&issuer, &c, &facts).map_err(ApiError::internal)?;
        let key = &state.certificate_key;
        let method = did::verification_method(&state.credentials.did, &key.kid);
        let signer = proof::ProofSigner::new(&key.key, &method, now, document::context())
            .map_err(ApiError::internal)?;
        signer.sign(unsigned).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Records that the caller took certificate `code` as a verifiable credential
/// (`certificate.credential_downloaded`, or `…_by_holder` when `by_holder`).
pub fn downloaded(change: &mut super::super::Change, code: &str, by_holder: bool) -> Result<(), ApiError> {
    change.record(
        if by_holder {
            "certificate.credential_downloaded_by_holder"
        } else {
            "certificate.credential_downloaded"
        },
        ("certificate", code.to_owned()),
        serde_json::json!({"format": "vc", "full_id_numbers": false}),
    );
    Ok(())
}

/// The signed status list credential of `list`, or `None` when no institution has its code. The
/// bits are read now; the list is signed again only when they (or the key) changed since it was
/// last signed ([`status::ListCache`]).
pub async fn status_list(state: &AppState, list: status::ListId) -> Result<Option<Arc<Value>>, ApiError> {
    let code = list.institution.to_string();
    if repo::institution::by_code(&state.db, &code).await?.is_none() {
        return Ok(None);
    }
    let serials = repo::credential::not_valid_serials(&state.db, &code, list.year).await?;
    let kid = state.certificate_key.kid.clone();
    if let Some(signed) = state.credentials.lists.get(list, &serials, &kid) {
        return Ok(Some(signed));
    }
    let now = state.clock.now();
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let permutation = status::Permutation::new(&state.credentials.secrets.status_lists, list);
        let indexes = serials.iter().map(|s| permutation.index(*s));
        let unsigned = status::list_credential(
            &state.public_url,
            &state.credentials.did,
            list,
            indexes,
            &crate::credential::timestamp(now),
        );
        let key = &state.certificate_key;
        let method = did::verification_method(&state.credentials.did, &key.kid);
        let context = unsigned.get("@context").cloned().unwrap_or_default();
        let signer = proof::ProofSigner::new(&key.key, &method, now, context).map_err(ApiError::internal)?;
        let signed = Arc::new(signer.sign(unsigned).map_err(ApiError::internal)?);
        state.credentials.lists.put(list, serials, &kid, Arc::clone(&signed));
        Ok(Some(signed))
    })
    .await
    .map_err(ApiError::internal)?
}

/// The system's DID document: every certificate-signing key ever published.
pub async fn did_document(state: &AppState) -> Result<Value, ApiError> {
    use base64::Engine as _;
    let mut keys = Vec::new();
    for k in repo::limits::keys(&state.db).await?.into_iter().filter(|k| k.usage == "certificate") {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&k.public_key)
            .map_err(|e| ApiError::internal(format!("published key {}: {e}", k.kid)))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| ApiError::internal(format!("published key {}: not 32 bytes", k.kid)))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|e| ApiError::internal(format!("published key {}: {e}", k.kid)))?;
        keys.push((k.kid, key));
    }
    Ok(did::document(&state.credentials.did, &keys))
}
