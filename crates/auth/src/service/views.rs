//! How organisations, users and the caller are shown, and the token pair a login returns.

use super::{corrupt, parse_stored_id};
use crate::error::AuthError;
use crate::model::{OrgKind, Role};
use crate::store::{OrganizationRow, UserRow};
use chrono::{DateTime, Utc};
use pasar_core::id::{OrganizationId, UserId};
use pasar_db::time::from_db;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganizationView {
    pub id: OrganizationId,
    pub kind: OrgKind,
    pub name: String,
    pub parent_id: Option<OrganizationId>,
    /// Kemendagri region code, e.g. `35.76`.
    pub region_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganizationView {
    pub(super) fn from_row(row: OrganizationRow) -> Result<Self, AuthError> {
        Ok(OrganizationView {
            id: parse_stored_id(&row.id)?,
            kind: OrgKind::parse(&row.kind).map_err(corrupt)?,
            name: row.name,
            parent_id: row.parent_id.as_deref().map(parse_stored_id).transpose()?,
            region_code: row.region_code,
            created_at: from_db(row.created_at),
            updated_at: from_db(row.updated_at),
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub organization_id: OrganizationId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    pub(super) fn from_row(row: UserRow, roles: Vec<Role>) -> Result<Self, AuthError> {
        Ok(UserView {
            id: parse_stored_id(&row.id)?,
            organization_id: parse_stored_id(&row.organization_id)?,
            email: row.email,
            name: row.name,
            roles,
            active: row.active,
            email_verified: row.email_verified_at.is_some(),
            created_at: from_db(row.created_at),
        })
    }
}

/// Who the caller is: `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    pub organization: OrganizationView,
}

/// What a successful login or refresh returns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}
