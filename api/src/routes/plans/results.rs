//! Over 400 lines: twelve short handlers of the results phase, each with its contract in two
//! languages.
//!
//! Results of a plan: photos, assessment results with their history (R20), publicity with
//! objections (R21, R22), reporting and the centre's review (R23).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::i18n::{Lang, Name, Problem};
use crate::state::AppState;
use crate::upload;
use crate::use_case::plans::objections::{AnswerMany, AnswerObjection, NewObjection};
use crate::use_case::plans::results::{self, ResultInput, ReviewRequest};
use crate::use_case::{self, plans};
use crate::views::plan::load;
use crate::views::results::{
    AnsweredMany, ObjectionReceipt, ObjectionView, PublicCandidate, PublicChange, PublicityView, ResultsView,
    outcomes, results_view,
};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use domain::Role;
use domain::results::mask_name;
use persistence::repo;
use persistence::repo::audit::Actor;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Values to record.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ResultsInput {
    /// At least one value.
    #[validate(length(min = 1, code = "too_few"), nested)]
    pub results: Vec<ResultInput>,
}

/// 查询评价结果
///
/// 批次计划的评价结果及其每一次变更（所属机构、鉴定中心、市人社局、计划所在区县）。
///
/// Results of a plan with every change (institution, centre, bureau, the plan's district).
#[utoipa::path(operation_id = "getResults", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Results", body = ResultsView)))]
#[get("/plans/{id}/results")]
pub async fn get_results(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state.db, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &p, lang).await?))
}

/// 录入评价结果
///
/// 录入评价结果（所属机构，在鉴定中心确认计划后、公示前，或鉴定中心退回上报后）。结果只追加、不覆盖
/// ，修改须说明理由。
///
/// Record results (the institution, once the centre acknowledged the plan, before publicity or
/// after the centre returned the report). Values are appended, never overwritten: changing a
/// value needs a reason, and every change is kept. Locked once reported.
#[utoipa::path(operation_id = "recordResults", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ResultsInput,
    responses((status = 200, description = "Recorded", body = ResultsView),
        (status = 409, description = "Not acknowledged, in publicity, or reported", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/results")]
pub async fn record(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<ResultsInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let (body, found) = body.with_violations();
    let saved =
        use_case::run(&state, caller.actor(), async |c| results::record(c, p.id, &body.results, found).await)
            .await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &saved, lang).await?))
}

/// 发起结果公示
///
/// 发起评价结果公示（所属机构）：每名考生都须有全部结果。公示期为今天之后的 5 个工作日（R21）。公示开始后
/// 成绩有变更的（异议成立后更正，或鉴定中心退回后更正），须再次调用以重新公示，公示通知列出变更的考生。
///
/// Start the publicity (公示) of the results (institution): every candidate needs every result.
/// It runs over the 5 working days after today (R21). When results changed after the publicity
/// started (an upheld objection, or corrections after the centre returned them), call it again to
/// publish them again for another 5 working days (round 2 and on; the notice lists what changed);
/// until then reporting answers 409 `republication_required`, and with no change this answers 409
/// `nothing_changed`.
#[utoipa::path(operation_id = "startPublicity", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Publicity started", body = ResultsView),
        (status = 409, description = "Wrong phase, or nothing changed to publish again", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/publicity")]
pub async fn start_publicity(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let saved =
        use_case::run(&state, caller.actor(), async |c| results::start_publicity(c, p.id).await).await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &saved, lang).await?))
}

/// 查看结果公示
///
/// 批次结果公示：合格人员名单，姓名部分遮盖，不显示身份证号（公开）。
///
/// The publicity of a plan's results: who passed, names partly masked, no ID numbers (public).
#[utoipa::path(operation_id = "getPublicityNotice", tag = "public", params(("id" = Uuid, Path)), responses((status = 200, description = "The notice", body = PublicityView)))]
#[get("/public/publicity/{id}")]
pub async fn public_notice(
    state: web::Data<AppState>,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let p = repo::plan::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let (Some(starts_on), Some(ends_on)) = (p.publicity_started_on, p.publicity_ends_on) else {
        return Err(ApiError::not_found());
    };
    let i = repo::institution::find(&state.db, p.institution_id).await?.ok_or_else(ApiError::not_found)?;
    let cands = repo::results::candidates(&state.db, p.id).await?;
    let history = repo::results::all(&state.db, p.id).await?;
    let outcome = outcomes(&p, &cands, &history)?;
    let changed = match p.previous_publicity_at {
        Some(_) => results::changed_candidates(&history, p.previous_publicity_at, p.publicity_started_at),
        None => Default::default(),
    };
    let public = |c: &persistence::entity::candidate::Model| PublicCandidate {
        level_name: c.level.parse().map(|l| crate::i18n::name(lang, Name::Level(l))).unwrap_or_default(),
        candidate_id: c.id,
        name: mask_name(&c.name),
        occupation_code: c.occupation_code.clone(),
        work_type: if c.work_type.is_empty() { "——".into() } else { c.work_type.clone() },
        level: c.level.clone(),
    };
    let passes =
        |c: &persistence::entity::candidate::Model| outcome.get(&c.id).copied().flatten() == Some(true);
    let passed = cands.iter().filter(|c| passes(c)).map(public).collect();
    let changed = cands
        .iter()
        .filter(|c| changed.contains(&c.id))
        .map(|c| PublicChange { candidate: public(c), passed: passes(c) })
        .collect();
    Ok(HttpResponse::Ok().json(PublicityView {
        plan_id: p.id,
        title: p.title,
        institution_code: i.code,
        institution_name: i.name,
        starts_on,
        ends_on,
        passed,
        round: p.publicity_round,
        changed,
    }))
}

/// 提出异议
///
/// 在公示期内提出异议（任何人，无需账号）。须写明 10–2000 字的理由和联系方式（手机号或电子邮箱）。
///
/// Lodge an objection during the publicity (anyone, no account). A reason of 10–2,000 characters
/// and a contact (mobile or e-mail) are required; one client address may lodge at most five
/// objections against one publicity (429 after that), within the per-address limit of public
/// requests; an objection identical to one already lodged (same candidate, same reason) is merged
/// into it and its receipt answered (200, `merged`).
#[utoipa::path(operation_id = "lodgeObjection", tag = "public", params(("id" = Uuid, Path)), request_body = NewObjection,
    responses((status = 201, description = "Lodged", body = ObjectionReceipt),
        (status = 200, description = "Identical to one already lodged: merged into it", body = ObjectionReceipt),
        (status = 409, description = "The publicity is not running", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Reason or contact missing or out of bounds", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many objections from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/publicity/{id}/objections")]
pub async fn lodge(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<NewObjection>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let client = crate::client_address::ClientAddress::of(&req).to_string();
    let (body, found) = body.with_violations();
    let receipt = use_case::run(&state, Actor::public(), async |c| {
        plans::objections::lodge(c, *id, &body, found, client).await
    })
    .await?;
    Ok(if receipt.merged { HttpResponse::Ok() } else { HttpResponse::Created() }.json(receipt))
}

/// 查询异议
///
/// 查询对批次结果的异议。
///
/// Objections to a plan's results.
#[utoipa::path(operation_id = "listObjections", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Objections, oldest first", body = Vec<ObjectionView>)))]
#[get("/plans/{id}/objections")]
pub async fn objections(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state.db, &caller, *id).await?;
    let full = caller.role != Role::District;
    let list: Vec<ObjectionView> = repo::results::objections(&state.db, p.id)
        .await?
        .into_iter()
        .map(|o| ObjectionView {
            id: o.id,
            candidate_id: o.candidate_id,
            content: o.content,
            contact: if full { o.contact } else { crate::views::mask::phone(&o.contact) },
            lodged_at: o.lodged_at,
            answer: o.answer,
            upheld: o.upheld,
            answered_at: o.answered_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// 批量答复异议
///
/// 一次答复多条异议（所属机构），在同一变更中完成：要么全部答复，要么都不答复。
///
/// Answer many objections at once (the institution), in one change: all are answered or none.
#[utoipa::path(operation_id = "answerObjections", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = AnswerMany, responses((status = 200, description = "Answered", body = AnsweredMany),
        (status = 409, description = "Not in publicity, or one of them was answered meanwhile", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "An answer is blank, an objection unknown, open twice or already answered", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/objections/answers")]
pub async fn answer_many(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AnswerMany>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let (body, found) = body.with_violations();
    let done = use_case::run(&state, caller.actor(), async |c| {
        plans::objections::answer_many(c, p.id, &body.answers, found).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(done))
}

/// 答复异议
///
/// 答复异议（所属机构）。异议成立的可修改结果，每项修改以答复为理由予以记录。
///
/// Answer an objection (the institution). An upheld objection may change results; each change is
/// recorded with the answer as its reason.
#[utoipa::path(operation_id = "answerObjection", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path), ("objection_id" = Uuid, Path)),
    request_body = AnswerObjection, responses((status = 200, description = "Answered", body = ResultsView)))]
#[post("/plans/{id}/objections/{objection_id}/answer")]
pub async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<AnswerObjection>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (plan_id, objection_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    let (body, found) = body.with_violations();
    let saved = use_case::run(&state, caller.actor(), async |c| {
        plans::objections::answer(c, p.id, objection_id, &body, found).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &saved, lang).await?))
}

/// 上报评价结果
///
/// 向鉴定中心上报评价结果（所属机构）：须在公示期满后（R21）且每条异议都已答复（R22）。
///
/// Report the results to the centre (institution): only after the publicity window has ended
/// (R21) and every objection is answered (R22); after a returned review, report again. Results
/// are locked from now on.
#[utoipa::path(operation_id = "reportResults", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Reported", body = ResultsView),
        (status = 409, description = "Publicity running, objections open, or wrong phase", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/report")]
pub async fn report(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let saved = use_case::run(&state, caller.actor(), async |c| results::report(c, p.id).await).await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &saved, lang).await?))
}

/// 审核评价结果
///
/// 审核上报的评价结果（鉴定中心）：整体或按考生通过，或说明理由退回（机构修改后重新上报，各轮次都予
/// 保留）。
///
/// Review reported results (centre): approve in whole or per candidate, or return with reasons
/// (the institution corrects and reports again; every round is kept). Only approved candidates can
/// receive certificates (R23).
#[utoipa::path(operation_id = "reviewResults", tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewRequest,
    responses((status = 200, description = "Reviewed", body = ResultsView),
        (status = 409, description = "Not reported", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let (body, found) = body.with_violations();
    let saved =
        use_case::run(&state, caller.actor(), async |c| results::review(c, p.id, &body, found).await).await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &saved, lang).await?))
}

/// 上传考生照片
///
/// 上传考生的二寸照片（所属机构，直至该考生的证书颁发）：请求体为 JPEG 或 PNG 文件本身。证书须印照片，
/// 没有照片的考生不能发证；证书颁发后照片不能再更换。
///
/// Upload a candidate's 2-inch photo (institution, until the candidate's certificate is issued):
/// the raw JPEG or PNG as the body; type from the bytes, size and aspect checked. Replacing a
/// photo needs `If-Match` with its ETag. Issuance refuses candidates without a photo (R29); once
/// a certificate carries the photo, it no longer changes (409 `photo_locked`).
#[utoipa::path(operation_id = "uploadCandidatePhoto", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), ("candidate_id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The current photo's ETag, to replace it")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "JPEG or PNG"),
    responses((status = 204, description = "Stored"),
        (status = 409, description = "The candidate's certificate was issued with its photo", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "The photo changed since the ETag sent", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Over 2 MiB or over the pixel limit", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG or PNG", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Not a 2-inch photo, or its data do not decode to its declared size", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/plans/{id}/candidates/{candidate_id}/photo")]
pub async fn put_photo(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (plan_id, candidate_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    let c = repo::results::candidate(&state.db, candidate_id)
        .await?
        .filter(|c| c.plan_id == p.id)
        .ok_or_else(ApiError::not_found)?;
    plans::candidates::photo_editable(&state.db, c.id).await?;
    // Replacing a photo needs its ETag; the first upload not.
    if let Some(sha) = &c.photo_sha256 {
        crate::precondition::check_if_match(&req, &format!("\"{sha}\""))?;
    }
    let declared = upload::media_type(&req);
    if !matches!(declared.as_str(), "image/jpeg" | "image/png") {
        return Err(ApiError::new(Problem::UnsupportedFileType).with("allowed", "image/jpeg, image/png"));
    }
    let body = upload::read_body(&req, payload, upload::PHOTO_BYTES).await?;
    if upload::sniff(&body) != Some(declared.as_str()) {
        return Err(upload::content_mismatch("photo", &declared, &body));
    }
    let format = upload::photo::check(body.clone()).await?;
    let sha: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
    // Named by content: a photo file is never overwritten, so a concurrent upload that loses the
    // race below cannot replace the winner's file, and certificates keep the photo they were
    // issued with.
    let key = format!("photos/{}/{}.{}", p.id, c.id, &sha[..16]);
    let path = state.attachments_dir.join(&key);
    let bytes = body;
    web::block(move || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // A temporary name of this request's own: concurrent uploads never write the same file.
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".{}.part", Uuid::now_v7().simple()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let photo = plans::candidates::Photo { key, media_type: format.media_type(), sha256: sha.clone() };
    let previous = c.photo_sha256.clone();
    use_case::run(&state, caller.actor(), async |ch| {
        plans::candidates::set_photo(ch, p.id, c.id, photo, previous.as_deref()).await
    })
    .await?;
    Ok(HttpResponse::NoContent().insert_header(("ETag", format!("\"{sha}\""))).finish())
}

/// 查看考生照片
///
/// 查看考生照片（所属机构、鉴定中心、市人社局）。
///
/// A candidate's photo (institution, centre, bureau).
#[utoipa::path(operation_id = "getCandidatePhoto", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), ("candidate_id" = Uuid, Path)),
    responses((status = 200, description = "The photo", content_type = "image/jpeg", body = Vec<u8>)))]
#[get("/plans/{id}/candidates/{candidate_id}/photo")]
pub async fn get_photo(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, candidate_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    if caller.role == Role::District {
        return Err(ApiError::not_found());
    }
    let c = repo::results::candidate(&state.db, candidate_id)
        .await?
        .filter(|c| c.plan_id == p.id)
        .ok_or_else(ApiError::not_found)?;
    let (Some(key), Some(media)) = (c.photo_key, c.photo_media_type) else {
        return Err(ApiError::not_found());
    };
    let etag = format!("\"{}\"", c.photo_sha256.unwrap_or_default());
    let file = state.attachments_dir.join(key);
    let bytes = web::block(move || std::fs::read(file))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(media)
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("ETag", etag))
        .body(bytes))
}
