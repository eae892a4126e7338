//! User accounts as the API shows them (never the password hash).

use crate::error::ApiError;
use crate::i18n::{self, Lang, Name};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::ConnectionTrait;
use persistence::entity::user;
use persistence::repo;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user account as the API shows it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    #[schema(example = "li.lei")]
    pub username: String,
    #[schema(example = "李雷")]
    pub display_name: String,
    /// Stable role code.
    #[schema(value_type = crate::schemas::RoleCodeSchema, example = "district")]
    pub role: Role,
    /// The role's display name in the negotiated language.
    #[schema(example = "区县人力社保部门")]
    pub role_name: String,
    /// For `district` accounts: the district they supervise (R38).
    #[schema(example = "500157")]
    pub district_code: Option<String>,
    #[schema(example = "两江新区")]
    pub district_name: Option<String>,
    /// For `school` accounts: their school.
    pub school_id: Option<Uuid>,
    pub disabled: bool,
    /// Increases with every change; the `ETag` is derived from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserView {
    /// The view of `u`, with display names in `lang`.
    pub async fn load(db: &impl ConnectionTrait, u: user::Model, lang: Lang) -> Result<UserView, ApiError> {
        let district_name = match &u.district_code {
            Some(code) => repo::district::find(db, code).await?.map(|d| d.name),
            None => None,
        };
        let role = Role::from_code(&u.role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
        Ok(UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role,
            role_name: i18n::name(lang, Name::Role(role)),
            district_code: u.district_code,
            district_name,
            school_id: u.school_id,
            disabled: u.disabled,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        })
    }
}

/// The `ETag` of a user version.
pub fn etag(version: i32) -> String {
    format!("\"u{version}\"")
}
