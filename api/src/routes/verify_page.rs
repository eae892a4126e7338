//! The public verification page behind the QR code: small, server-rendered, zh-CN, readable on a
//! phone, no external assets.

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::use_case::certificates::holder::{self, Which};
use crate::views::certificate::{PublicCertificate, public_view};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use domain::certificate::CertificateStatus;
use persistence::repo;
use serde::Deserialize;
use utoipa::ToSchema;

/// The page's policy: nothing loaded from anywhere, its own inline style, forms only to itself.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Security-Policy", CSP))
        .body(body)
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str, status_class: &str) -> String {
    format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>{title}</title><style>body{{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#222}}main{{max-width:32rem;margin:0 auto;padding:1.25rem}}h1{{font-size:1.25rem}}.card{{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}}.status{{display:inline-block;padding:.2rem .6rem;border-radius:1rem;font-weight:600}}.valid{{background:#e3f6e8;color:#1b7a36}}.revoked,.superseded,.missing{{background:#fdecea;color:#b3261e}}dl{{display:grid;grid-template-columns:auto 1fr;gap:.5rem 1rem;margin:1rem 0 0}}dt{{color:#666}}dd{{margin:0}}footer{{font-size:.8rem;color:#777;margin-top:1rem}}</style></head><body><main><h1>职业技能等级证书查询</h1><div class="card"><p><span class="status {status_class}">{title}</span></p>{body}</div><footer>技工院校职业技能等级认定 · 免费查询</footer></main></body></html>"#
    )
}

/// The form by which the holder of a valid certificate takes its PDF (issue 26, point 7) or its
/// verifiable credential (issue 27): posted
/// to this page's own address, the ID number in the body, never in a URL.
fn holder_form(token: &str) -> String {
    format!(
        r#"<form method="post" action="/verify/{t}/pdf"><h2 style="font-size:1rem">持证人下载本人电子证书</h2><p><label>姓名<br><input name="name" maxlength="50" required autocomplete="name"></label></p><p><label>身份证号码<br><input name="id_number" maxlength="18" required autocomplete="off" inputmode="text"></label></p><p><button type="submit">下载电子证书（PDF）</button> <button type="submit" formaction="/verify/{t}/credential">下载可验证凭证（JSON）</button></p><p style="font-size:.85rem">可验证凭证符合 W3C 可验证凭证 2.0 和 Open Badges 3.0，可交给用人单位离线验证。</p></form>"#,
        t = esc(token)
    )
}

fn render(c: &PublicCertificate, token: &str) -> String {
    let mut rows = vec![
        ("证书编号", c.code.clone()),
        ("姓名", c.holder_name.clone()),
        ("职业", c.occupation_name.clone()),
        ("工种", c.work_type.clone()),
        ("等级", c.level_name.clone()),
        ("发证机构", c.institution_name.clone()),
        ("发证日期", c.issue_date.format("%Y年%m月%d日").to_string()),
    ];
    if let Some(reason) = &c.revoked_reason {
        rows.push(("撤销原因", reason.clone()));
    }
    if let Some(at) = &c.revoked_at {
        rows.push((
            "撤销时间",
            at.with_timezone(&crate::clock::china_standard_time()).format("%Y年%m月%d日").to_string(),
        ));
    }
    if let Some(code) = &c.superseded_by {
        rows.push(("替换为", code.clone()));
    }
    let dl: String = rows.iter().map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v))).collect();
    let valid = CertificateStatus::from_code(&c.status) == Some(CertificateStatus::Valid);
    let form = if valid { holder_form(token) } else { String::new() };
    page(&esc(&c.status_name), &format!("<dl>{dl}</dl>{form}"), &esc(&c.status))
}

/// 证书验证页面
///
/// 证书二维码指向的验证页面（公开的 HTML）。
///
/// The verification page of a certificate's QR code (public HTML).
#[utoipa::path(operation_id = "getVerificationPage", tag = "public", params(("token" = String, Path, description = "The token of the QR code")),
    responses((status = 200, description = "The certificate's status", content_type = "text/html", body = String),
        (status = 404, description = "No such certificate", content_type = "text/html", body = String)))]
#[get("/verify/{token}")]
pub async fn verify_page(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let found = if token.len() <= 64 {
        repo::certificate::public_record(
            &state.db,
            state.metrics.statements(),
            repo::certificate::PublicQuery::Token(&token),
        )
        .await?
    } else {
        None
    };
    match found {
        Some(c) => {
            let v = public_view(c, Lang::ZhCn);
            Ok(html(StatusCode::OK, render(&v, &token)))
        }
        None => Ok(html(
            StatusCode::NOT_FOUND,
            page(
                "未查到证书",
                "<p>没有与此二维码相符的证书。请核对后再试，或使用证书编号和姓名查询。</p>",
                "missing",
            ),
        )),
    }
}

/// The holder's form on the verification page.
#[derive(Deserialize, ToSchema)]
pub struct HolderForm {
    /// The holder's full name.
    #[serde(default)]
    pub name: String,
    /// The holder's resident ID number.
    #[serde(default)]
    pub id_number: String,
}

/// 持证人下载本人电子证书（验证页面的表单）
///
/// 验证页面上的表单：持证人填写姓名和身份证号码，下载本人的电子证书 PDF。与
/// `POST /api/v1/public/certificates/pdf` 相同：共用每个地址的次数限制，任何不符的回答都相同。
///
/// The form of the verification page: the holder enters their full name and resident ID number
/// and takes their e-certificate PDF. As `POST /api/v1/public/certificates/pdf`: the same
/// per-address limit, one answer (an HTML page, 404) for every kind of miss.
#[utoipa::path(operation_id = "downloadOwnCertificateFromPage", tag = "public", security(()),
    params(("token" = String, Path, description = "The token of the QR code")),
    request_body(content = HolderForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The e-certificate", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "No valid certificate matches", content_type = "text/html", body = String),
        (status = 429, description = "Too many queries from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/verify/{token}/pdf")]
pub async fn own_pdf(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    token: web::Path<String>,
    form: web::Form<HolderForm>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let f = form.into_inner();
    let fits = token.len() <= 64 && f.name.chars().count() <= 50 && f.id_number.chars().count() <= 30;
    let found = if fits {
        holder::download(&state, Which::Token(&token), &f.name, &f.id_number).await?
    } else {
        None
    };
    match found {
        Some((code, bytes)) => Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{code}.pdf\"")))
            .insert_header(("Cache-Control", "private, no-store"))
            .body(bytes)),
        None => Ok(not_downloaded()),
    }
}

/// 持证人下载本人可验证凭证（验证页面的表单）
///
/// 验证页面上的表单：持证人填写姓名和身份证号码，下载本人证书的可验证凭证（JSON）。与
/// `POST /api/v1/public/certificates/credential` 相同。
///
/// The form of the verification page, its second button: the holder's own certificate as a
/// verifiable credential (JSON). As `POST /api/v1/public/certificates/credential`: the same
/// per-address limit, one answer (an HTML page, 404) for every kind of miss.
#[utoipa::path(operation_id = "downloadOwnCredentialFromPage", tag = "public", security(()),
    params(("token" = String, Path, description = "The token of the QR code")),
    request_body(content = HolderForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The signed credential", content_type = "application/vc", body = Object),
        (status = 404, description = "No valid certificate matches", content_type = "text/html", body = String),
        (status = 429, description = "Too many queries from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/verify/{token}/credential")]
pub async fn own_credential(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    token: web::Path<String>,
    form: web::Form<HolderForm>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let f = form.into_inner();
    let fits = token.len() <= 64 && f.name.chars().count() <= 50 && f.id_number.chars().count() <= 30;
    let found = if fits {
        holder::credential(&state, Which::Token(&token), &f.name, &f.id_number).await?
    } else {
        None
    };
    match found {
        Some((code, signed)) => Ok(HttpResponse::Ok()
            .content_type("application/vc")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{code}.credential.json\""),
            ))
            .insert_header(("Cache-Control", "private, no-store"))
            .json(signed)),
        None => Ok(not_downloaded()),
    }
}

fn not_downloaded() -> HttpResponse {
    html(
        StatusCode::NOT_FOUND,
        page("未能下载", "<p>姓名或身份证号码与证书不符，或证书已不再有效。请核对后再试。</p>", "missing"),
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn html_is_escaped() {
        assert_eq!(esc("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
