//! Searching certificates (issue 26, point 6): the bureau, the centre and a district office, by
//! code, holder name, ID number (its lookup hash), occupation, level, institution, issue year and
//! status, a page at a time, ordered by code.

use super::{Page, PageRequest, fetch_page};
use crate::entity::{certificate, district, institution};
use crate::error::RepoError;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// What to search for; every criterion given must hold.
#[derive(Debug, Default, Clone, Copy)]
pub struct Search<'a> {
    /// The 22-character code, exactly.
    pub code: Option<&'a str>,
    /// The holder's full name, exactly.
    pub holder_name: Option<&'a str>,
    /// The lookup hash of the holder's resident ID number (`sealed::DataKey::hash`).
    pub id_hash: Option<&'a str>,
    pub occupation_code: Option<&'a str>,
    pub level: Option<&'a str>,
    pub institution_id: Option<Uuid>,
    pub issue_year: Option<i32>,
    pub status: Option<&'a str>,
    /// A district office's scope: certificates of the institutions in this district, and of the
    /// holders whose ID number's address code is the district's own or that of a division it
    /// succeeded (`districts.successor_code`: 江北区 500105 into 两江新区 500157).
    pub district: Option<&'a str>,
}

/// One page of the certificates matching `search`, by code, with the total.
pub async fn search(
    db: &impl ConnectionTrait,
    search: &Search<'_>,
    page: PageRequest,
) -> Result<Page<certificate::Model>, RepoError> {
    use certificate::Column as C;
    let mut q = certificate::Entity::find();
    if let Some(code) = search.code {
        q = q.filter(C::Code.eq(code));
    }
    if let Some(name) = search.holder_name {
        q = q.filter(C::HolderName.eq(name));
    }
    if let Some(hash) = search.id_hash {
        q = q.filter(C::IdHash.eq(hash));
    }
    if let Some(o) = search.occupation_code {
        q = q.filter(C::OccupationCode.eq(o));
    }
    if let Some(l) = search.level {
        q = q.filter(C::Level.eq(l));
    }
    if let Some(i) = search.institution_id {
        q = q.filter(C::InstitutionId.eq(i));
    }
    if let Some(y) = search.issue_year {
        q = q.filter(C::IssueYear.eq(y));
    }
    if let Some(s) = search.status {
        q = q.filter(C::Status.eq(s));
    }
    if let Some(d) = search.district {
        let institutions = Query::select()
            .column(institution::Column::Id)
            .from(institution::Entity)
            .and_where(Expr::col(institution::Column::DistrictCode).eq(d))
            .to_owned();
        let regions = Query::select()
            .column(district::Column::Code)
            .from(district::Entity)
            .cond_where(
                Condition::any()
                    .add(Expr::col(district::Column::Code).eq(d))
                    .add(Expr::col(district::Column::SuccessorCode).eq(d)),
            )
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(C::InstitutionId.in_subquery(institutions))
                .add(C::IdRegion.in_subquery(regions)),
        );
    }
    fetch_page(db, q.order_by_asc(C::Code), page).await
}
