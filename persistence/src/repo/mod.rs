//! Repository functions, one module per table family.

use crate::error::RepoError;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ConnectionTrait, EntityTrait, Iterable, Order, PaginatorTrait, PrimaryKeyToColumn, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

pub mod api_client;
pub mod audit;
pub mod calendar;
pub mod certificate;
pub mod certificate_search;
pub mod credential;
pub mod district;
pub mod filing;
pub mod idempotency;
pub mod institution;
pub mod limits;
pub mod occupation;
pub mod outbox;
pub mod personnel;
pub mod plan;
pub mod results;
pub mod school;
pub mod sealed;
pub mod standard;
pub mod supervision;
pub mod throttle;
pub mod user;

/// Inserts `rows` into `E`'s table in multi-row statements of `chunk` rows. (On PostgreSQL, one
/// statement whose only parameter is the rows as a JSON array was measured slower: parsing 8 MB of
/// JSON costs the server more than binding the values; docs/PERFORMANCE.md.)
pub(crate) async fn insert_all<E>(
    db: &impl ConnectionTrait,
    rows: Vec<E::Model>,
    chunk: usize,
) -> Result<(), RepoError>
where
    E: EntityTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
{
    // Taken from the front chunk by chunk: splitting off the tail instead would move every
    // remaining row once per chunk (with 100,000 candidates that was gigabytes of copying).
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        E::insert_many(rows.by_ref().take(chunk.max(1)).map(sea_orm::IntoActiveModel::into_active_model))
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// One page of a list: which page (1-based), how many per page, and an optional order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
    /// Sort by this column instead of the list's default order (then by primary key).
    pub sort: Option<SortKey>,
}

/// A column to sort by; the caller checks it against the list's allowed columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: &'static str,
    pub descending: bool,
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(self) -> u64 {
        (self.page.saturating_sub(1)).saturating_mul(self.per_page)
    }
}

/// A page of rows and the total count matching the filter.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Runs an ordered, filtered query for one page, with the total count of matching rows.
pub(crate) async fn fetch_page<E>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    page: PageRequest,
) -> Result<Page<E::Model>, RepoError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let mut query = query;
    if let Some(sort) = page.sort {
        QueryTrait::query(&mut query).clear_order_by();
        let column = Expr::col((Alias::new(E::default().table_name()), Alias::new(sort.column)));
        query = query.order_by(column, if sort.descending { Order::Desc } else { Order::Asc });
        for key in E::PrimaryKey::iter() {
            query = query.order_by_asc(key.into_column());
        }
    }
    let total = query.clone().count(db).await?;
    let items = query.offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok(Page { items, total })
}
