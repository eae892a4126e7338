//! The public verification page behind the QR code: small, server-rendered, zh-CN, readable on a
//! phone, no external assets.

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::views::certificate::{PublicCertificate, public_view};
use actix_web::{HttpResponse, get, web};
use persistence::repo;

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

fn render(c: &PublicCertificate) -> String {
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
    page(&esc(&c.status_name), &format!("<dl>{dl}</dl>"), &esc(&c.status))
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
    let html = |status: actix_web::http::StatusCode, body: String| {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"))
            .body(body)
    };
    match found {
        Some(c) => {
            let v = public_view(c, Lang::ZhCn);
            Ok(html(actix_web::http::StatusCode::OK, render(&v)))
        }
        None => Ok(html(
            actix_web::http::StatusCode::NOT_FOUND,
            page(
                "未查到证书",
                "<p>没有与此二维码相符的证书。请核对后再试，或使用证书编号和姓名查询。</p>",
                "missing",
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn html_is_escaped() {
        assert_eq!(esc("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
