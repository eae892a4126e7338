//! The retention archive (R32): every electronic record of an institution's batches of one year,
//! in one ZIP that can be read without skillcert: JSON files, the attachments and photos as they
//! were uploaded, a `manifest.json` and a `SHA256SUMS` file (`sha256sum -c SHA256SUMS` checks
//! it). Records under retention are never deleted (database triggers, see migration 10).

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiQuery;
use crate::i18n::Rule;
use crate::state::AppState;
use crate::use_case;
use crate::zip_stream;
use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use domain::Role;
use persistence::repo;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use utoipa::IntoParams;
use uuid::Uuid;

/// Which year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// Batches filed in this year (China Standard Time); drafts by their creation.
    #[param(example = 2026)]
    pub year: i32,
}

/// One file of the archive.
#[derive(Debug, Serialize)]
struct ManifestEntry {
    path: String,
    bytes: usize,
    sha256: String,
}

fn json_bytes(v: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec_pretty(v).map_err(ApiError::internal)
}

/// Every audit event of one target, oldest first.
async fn events_of(
    db: &impl persistence::ConnectionTrait,
    target_type: &str,
    target_id: &str,
) -> Result<Vec<persistence::entity::audit_event::Model>, ApiError> {
    let filter = repo::audit::Filter {
        target_type: Some(target_type.into()),
        target_id: Some(target_id.into()),
        ..Default::default()
    };
    let mut out = Vec::new();
    for page in 1.. {
        let found =
            repo::audit::list(db, &filter, repo::PageRequest { page, per_page: 1000, sort: None }).await?;
        let n = found.items.len();
        out.extend(found.items);
        if n < 1000 {
            break;
        }
    }
    Ok(out)
}

/// Removes these keys from every object of a list.
fn strip(list: &mut serde_json::Value, keys: &[&str]) {
    if let serde_json::Value::Array(items) = list {
        for item in items {
            if let serde_json::Value::Object(map) = item {
                for k in keys {
                    map.remove(*k);
                }
            }
        }
    }
}

/// Masks one text field of every object of a list (a contact: its first and last two
/// characters kept).
fn mask_field(list: &mut serde_json::Value, key: &str) {
    if let serde_json::Value::Array(items) = list {
        for item in items {
            if let Some(serde_json::Value::String(s)) = item.get_mut(key) {
                *s = crate::views::mask::phone(s);
            }
        }
    }
}

const README: &str = "skillcert 归档 / archive\n\n\
本归档包含一个评价机构一个年度全部批次的电子记录（渝人社发〔2020〕83号：电子资料保存不少于5年）。\n\
This archive holds every electronic record of one institution's batches of one year (R32).\n\n\
institution.json              机构及其备案范围 / the institution and its scope\n\
filing/filing.json            备案申请、各轮次与专家评估 / the filing, its rounds and evaluations\n\
filing/attachments.json       备案附件记录 / filing attachments (files under filing/files/)\n\
plans/<id>/plan.json          批次计划、职业、场次 / the plan, its occupations and sessions\n\
plans/<id>/candidates.json    考生（含身份证号，敏感个人信息；区县下载时脱敏）/ candidates (sensitive personal data; masked for district offices)\n\
plans/<id>/results.json       全部成绩录入记录（只增不改）/ every entered result (append-only)\n\
plans/<id>/objections.json    公示异议及答复 / objections and answers\n\
plans/<id>/reviews.json       上报与审核 / reports and reviews\n\
plans/<id>/certificates.json  证书（含签名）/ certificates with their signatures\n\
plans/<id>/photos/            考生照片（区县下载时不含）/ candidate photos (not for district offices)\n\
audit.json                    机构、备案、批次与证书的审计事件（哈希链）/ audit events of the institution, filing, batches, certificates\n\
manifest.json, SHA256SUMS     每个文件的SHA-256 / every file's SHA-256: `sha256sum -c SHA256SUMS`\n";

/// 下载年度档案
///
/// 评价机构某年各批次的档案（R32），为附 SHA-256 清单的 ZIP：市人社局、鉴定中心、机构所在区县和机构
/// 本身可下载。
///
/// The archive of an institution's batches of one year (R32), as a ZIP with a SHA-256 manifest:
/// bureau and centre, the institution's district, and the institution itself. It holds personal
/// data; every export is in the audit log.
#[utoipa::path(operation_id = "downloadArchive", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path), ArchiveQuery),
    responses((status = 200, description = "The archive", content_type = "application/zip", body = Vec<u8>)))]
#[get("/institutions/{id}/archive")]
pub async fn archive(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: ApiQuery<ArchiveQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District, Role::School])?;
    let i = crate::views::institution::load(&state.db, &caller, *id).await?;
    let year = query.0.year;
    if !(2020..=9999).contains(&year) {
        return Err(ApiError::validation(vec![
            FieldError::new("year", Rule::OutOfRange).with("min", 2020).with("max", 9999),
        ]));
    }
    let db = &state.db;
    let cst = crate::clock::china_standard_time();
    let mut files: Vec<(String, Vec<u8>)> = vec![("README.txt".into(), README.as_bytes().to_vec())];
    let mut disk: Vec<(String, String)> = Vec::new(); // (archive path, storage key)
    let scope = repo::institution::scope(db, i.id).await?;
    files.push((
        "institution.json".into(),
        json_bytes(&serde_json::json!({"institution": i, "scope": scope}))?,
    ));
    // Personal data as each role sees it in the JSON API (docs/SECURITY.md): the filing's people
    // in full for the bureau and the school only; candidates' ID and phone numbers, certificate
    // holders' ID numbers, objectors' contacts and photos not for district offices.
    let district = caller.role == Role::District;
    let mut full_id_numbers = false;
    if let Some(filing) = repo::filing::find(db, i.filing_id).await? {
        let rounds = repo::filing::rounds(db, filing.id).await?;
        let evaluations = repo::filing::evaluations(db, filing.id).await?;
        let personal = crate::views::filing::sees_personal_data(&caller, &filing);
        let mut filing_json =
            serde_json::json!({"filing": filing, "rounds": rounds, "evaluations": evaluations});
        crate::views::mask::open_id_numbers(&mut filing_json, &state.data_key);
        if !personal {
            crate::views::filing::document::mask_personal(&mut filing_json);
        }
        files.push(("filing/filing.json".into(), json_bytes(&filing_json)?));
    }
    let attachments = repo::filing::attachments(db, i.filing_id).await?;
    for a in &attachments {
        disk.push((
            format!("filing/files/{}-{}", a.id, a.file_name.replace(['/', '\\'], "_")),
            a.storage_key.clone(),
        ));
    }
    files.push(("filing/attachments.json".into(), json_bytes(&attachments)?));
    let mut audit_events = events_of(db, "institution", &i.id.to_string()).await?;
    audit_events.extend(events_of(db, "filing", &i.filing_id.to_string()).await?);
    let mut plans_in_year = 0;
    for p in repo::plan::of_institutions(db, vec![i.id]).await? {
        let plan_year = p.filed_on.map_or_else(|| p.created_at.with_timezone(&cst).year(), |d| d.year());
        if plan_year != year {
            continue;
        }
        plans_in_year += 1;
        let dir = format!("plans/{}", p.id);
        let occupations = repo::plan::occupations(db, p.id).await?;
        let sessions = repo::plan::sessions(db, p.id).await?;
        files.push((
            format!("{dir}/plan.json"),
            json_bytes(&serde_json::json!({"plan": p, "occupations": occupations, "sessions": sessions}))?,
        ));
        let candidates = repo::results::all_candidates(db, p.id).await?;
        if !district {
            for c in &candidates {
                if let (Some(key), Some(mt)) = (&c.photo_key, &c.photo_media_type) {
                    let ext = if mt == "image/png" { "png" } else { "jpg" };
                    disk.push((format!("{dir}/photos/{}.{ext}", c.id), key.clone()));
                }
            }
        }
        full_id_numbers |= !district && !candidates.is_empty();
        let ids = crate::views::mask::IdNumbers::full_if(!district, &state.data_key);
        let mut candidates = serde_json::to_value(&candidates).map_err(ApiError::internal)?;
        crate::views::mask::stored_rows_to_id_numbers(&mut candidates, ids);
        let mut objections =
            serde_json::to_value(repo::results::objections(db, p.id).await?).map_err(ApiError::internal)?;
        let mut certificates =
            serde_json::to_value(repo::certificate::of_plan(db, p.id).await?).map_err(ApiError::internal)?;
        crate::views::mask::stored_rows_to_id_numbers(&mut certificates, ids);
        // Where an objection came from is for the limits only: no role sees it.
        strip(&mut objections, &["client_key", "content_key", "address_slot"]);
        if district {
            crate::views::filing::document::mask_personal(&mut candidates);
            crate::views::filing::document::mask_personal(&mut certificates);
            mask_field(&mut objections, "contact");
        }
        files.push((format!("{dir}/candidates.json"), json_bytes(&candidates)?));
        files.push((format!("{dir}/results.json"), json_bytes(&repo::results::all(db, p.id).await?)?));
        files.push((format!("{dir}/objections.json"), json_bytes(&objections)?));
        files.push((format!("{dir}/reviews.json"), json_bytes(&repo::results::reports(db, p.id).await?)?));
        files.push((format!("{dir}/certificates.json"), json_bytes(&certificates)?));
        audit_events.extend(
            repo::audit::list(
                db,
                &repo::audit::Filter {
                    target_type: Some("plan".into()),
                    target_id: Some(p.id.to_string()),
                    ..Default::default()
                },
                repo::PageRequest { page: 1, per_page: 10_000, sort: None },
            )
            .await?
            .items,
        );
    }
    audit_events.sort_by_key(|e| e.seq);
    files.push(("audit.json".into(), json_bytes(&audit_events)?));
    let now = state.clock.now();
    // Recorded before the first byte leaves: once the ZIP streams, it cannot be taken back.
    let summary = serde_json::json!({"year": year, "plans": plans_in_year, "files": files.len() + disk.len() + 2, "full_id_numbers": full_id_numbers});
    use_case::run(&state, caller.actor(), async |change| {
        use_case::supervision::archive_exported(change, i.id, summary)
    })
    .await?;
    let dir = state.attachments_dir.clone();
    let code = i.code.clone();
    let generated_at = now;
    // Written as it is read (crate::zip_stream): the JSON files, then each stored file read from
    // disk one at a time, hashed as it goes; the manifest and SHA256SUMS last.
    Ok(zip_stream::respond(&format!("archive-{}-{year}.zip", i.code), move |z| {
        let mut sums: Vec<(String, usize, String)> = Vec::new();
        for (path, data) in &files {
            put(z, &mut sums, path, data, true)?;
        }
        for (path, key) in &disk {
            let data = std::fs::read(dir.join(key)).map_err(|e| format!("{key}: {e}"))?;
            put(z, &mut sums, path, &data, false)?;
        }
        let manifest: Vec<ManifestEntry> = sums
            .iter()
            .map(|(path, bytes, sha256)| ManifestEntry {
                path: path.clone(),
                bytes: *bytes,
                sha256: sha256.clone(),
            })
            .collect();
        let manifest_json = serde_json::to_vec_pretty(&serde_json::json!({
            "institution_code": code, "year": year, "generated_at": generated_at, "files": manifest,
        }))
        .map_err(|e| e.to_string())?;
        put(z, &mut sums, "manifest.json", &manifest_json, true)?;
        // SHA256SUMS covers every file, the manifest included.
        let text: String = sums.iter().map(|(path, _, sum)| format!("{sum}  {path}\n")).collect();
        put(z, &mut sums, "SHA256SUMS", text.as_bytes(), true)
    }))
}

/// Writes one file into the archive and notes its size and SHA-256.
fn put(
    z: &mut zip_stream::Zip,
    sums: &mut Vec<(String, usize, String)>,
    path: &str,
    data: &[u8],
    deflate: bool,
) -> Result<(), String> {
    z.start_file(path, zip_stream::options(deflate)).map_err(|e| e.to_string())?;
    z.write_all(data).map_err(|e| e.to_string())?;
    let sum: String = Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect();
    sums.push((path.to_owned(), data.len(), sum));
    Ok(())
}
