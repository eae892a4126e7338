//! Chongqing districts and counties (reference data).

use crate::context::RequestContext;
use crate::error::ApiError;
use crate::i18n::{self, Name, codes_district_kind};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use persistence::repo;
use serde::Serialize;
use utoipa::ToSchema;

/// A district or county.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    #[schema(example = "500157")]
    pub code: String,
    #[schema(example = "两江新区")]
    pub name: String,
    /// `district`, `county` or `autonomous_county`.
    #[schema(example = "district")]
    pub kind: String,
    #[schema(example = "区")]
    pub kind_name: String,
    /// Set when the code was abolished; accounts can then no longer be bound to it.
    pub abolished_on: Option<NaiveDate>,
    /// The code that took over an abolished one.
    pub successor_code: Option<String>,
}

/// 查询区县
///
/// 重庆市全部区县代码，包括现行和已撤销的（用于绑定区县账号；数据来自 data/reference/）。
///
/// Every Chongqing district and county code, current and abolished (for binding district
/// accounts; loaded from `data/reference/`).
#[utoipa::path(operation_id = "listDistricts", tag = "reference", responses((status = 200, description = "All districts", body = Vec<DistrictView>)))]
#[get("/districts")]
pub async fn list(state: web::Data<AppState>, ctx: RequestContext) -> Result<HttpResponse, ApiError> {
    let rows = repo::district::list(&state.db).await?;
    let items: Vec<DistrictView> = rows
        .into_iter()
        .map(|d| DistrictView {
            kind_name: codes_district_kind(&d.kind)
                .map_or_else(|| d.kind.clone(), |k| i18n::name(ctx.lang, Name::DistrictKind(k))),
            code: d.code,
            name: d.name,
            kind: d.kind,
            abolished_on: d.abolished_on,
            successor_code: d.successor_code,
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}
