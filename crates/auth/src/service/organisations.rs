//! Organisations: the platform, pemda, OPD, satker and vendors' organisations.

use super::OrganizationView;
use crate::error::AuthError;
use crate::model::{parse_name, Actor, OrgKind, Role};
use crate::store::{self, OrganizationFilter, OrganizationRow};
use chrono::{DateTime, Utc};
use pasar_core::error::FieldErrors;
use pasar_core::id::OrganizationId;
use pasar_core::page::{Page, PageRequest};
use pasar_core::RegionCode;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use serde_json::json;

/// Input for a new organisation, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    pub kind: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub region_code: Option<String>,
}

pub fn create_organization(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    input: NewOrganization,
) -> Result<OrganizationView, AuthError> {
    if !actor.has(Role::Admin) {
        return Err(AuthError::Forbidden("Only administrators create organisations."));
    }
    let mut errors = FieldErrors::new();
    let kind = errors.check("kind", OrgKind::parse(&input.kind));
    let name = errors.check("name", parse_name(&input.name, 200));
    let region = match input.region_code.as_deref() {
        None | Some("") => None,
        Some(r) => errors.check("region_code", RegionCode::parse(r)),
    };
    if kind == Some(OrgKind::Platform) {
        errors.add("kind", "there is exactly one platform organisation, created at first start");
    }
    if matches!(kind, Some(OrgKind::Pemda | OrgKind::Opd | OrgKind::Satker))
        && input.region_code.as_deref().unwrap_or("").is_empty()
    {
        errors.add("region_code", "is required for a government organisation");
    }
    errors.finish().map_err(AuthError::Validation)?;
    let kind = kind.expect("checked");
    let name = name.expect("checked");

    write_tx(conn, |conn| {
        let parent_id = match (kind.parent_kind(), input.parent_id.as_deref()) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(AuthError::field("parent_id", format!("a {kind} has no parent organisation")))
            }
            (Some(pk), None) => {
                return Err(AuthError::field("parent_id", format!("is required: a {kind} belongs to a {pk}")))
            }
            (Some(pk), Some(pid)) => {
                let parent = OrganizationId::parse(pid)
                    .and_then(|_| store::find_organization(conn, pid).transpose())
                    .transpose()?
                    .ok_or_else(|| AuthError::field("parent_id", "no such organisation"))?;
                if parent.kind != pk.as_str() {
                    return Err(AuthError::field("parent_id", format!("must be a {pk}, not a {}", parent.kind)));
                }
                Some(parent.id)
            }
        };
        // Vendors may share a name (their NIB tells them apart); government bodies may not.
        if kind != OrgKind::Vendor && store::organization_name_taken(conn, kind.as_str(), parent_id.as_deref(), &name)?
        {
            return Err(AuthError::AlreadyExists {
                field: "name",
                detail: format!("A {kind} named '{name}' already exists there."),
            });
        }
        let row = OrganizationRow {
            id: OrganizationId::new().to_string(),
            kind: kind.as_str().to_owned(),
            name: name.clone(),
            parent_id,
            region_code: region.as_ref().map(|r| r.as_str().to_owned()),
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        store::insert_organization(conn, &row)?;
        let view = OrganizationView::from_row(row)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&actor.user_id.to_string()),
                action: "organization.create",
                entity_type: "organization",
                entity_id: &view.id.to_string(),
                before: None,
                after: Some(serde_json::to_value(&view).unwrap_or_default()),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        Ok(view)
    })
}

/// Organisations the caller may see: all for admins, auditors and curators; otherwise
/// only the caller's own.
pub fn list_organizations(
    conn: &mut DbConn,
    actor: &Actor,
    mut filter: OrganizationFilter,
    page: &PageRequest,
) -> Result<Page<OrganizationView>, AuthError> {
    if !actor.has_any(&[Role::Admin, Role::Auditor, Role::Curator]) {
        filter.only_id = Some(actor.organization_id.to_string());
    }
    let rows = store::list_organizations(conn, &filter, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let items = page.items.into_iter().map(OrganizationView::from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

pub fn get_organization(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<OrganizationView, AuthError> {
    let visible =
        actor.has_any(&[Role::Admin, Role::Auditor, Role::Curator]) || actor.organization_id.to_string() == id;
    let row = store::find_organization(conn, id)?.filter(|_| visible).ok_or(AuthError::NotFound("organisation"))?;
    OrganizationView::from_row(row)
}

/// Makes sure the one platform organisation exists; returns its id.
pub fn ensure_platform(conn: &mut DbConn, now: DateTime<Utc>, name: &str) -> Result<String, AuthError> {
    write_tx(conn, |conn| {
        if let Some(org) = store::first_organization_of_kind(conn, OrgKind::Platform.as_str())? {
            return Ok(org.id);
        }
        let row = OrganizationRow {
            id: OrganizationId::new().to_string(),
            kind: OrgKind::Platform.as_str().into(),
            name: name.to_owned(),
            parent_id: None,
            region_code: None,
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        store::insert_organization(conn, &row)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: None,
                action: "organization.create",
                entity_type: "organization",
                entity_id: &row.id,
                before: None,
                after: Some(json!({ "kind": "platform", "name": name })),
                request_id: None,
            },
        )?;
        Ok(row.id)
    })
}
