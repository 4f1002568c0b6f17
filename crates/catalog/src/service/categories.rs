//! The category tree: listing, creating and changing categories (administrators).

use crate::error::CatalogError;
use crate::shared::audit_entry;
use crate::store::{self, CategoryRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::{parse_name, Actor, Role};
use pasar_core::error::FieldErrors;
use pasar_core::id::CategoryId;
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub id: String,
    pub parent_id: Option<String>,
    pub slug: String,
    pub name: String,
    /// KBLI codes or prefixes a vendor needs one of to list here; empty: open to all.
    pub kbli_prefixes: Vec<String>,
    pub position: i32,
    pub active: bool,
}

impl From<CategoryRow> for CategoryView {
    fn from(r: CategoryRow) -> Self {
        CategoryView {
            kbli_prefixes: r.kbli_prefixes.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            id: r.id,
            parent_id: r.parent_id,
            slug: r.slug,
            name: r.name,
            position: r.position,
            active: r.active,
        }
    }
}

/// The whole tree, flat, ordered by position (anyone).
pub fn list_categories(conn: &mut DbConn) -> Result<Vec<CategoryView>, CatalogError> {
    Ok(store::categories(conn)?.into_iter().map(CategoryView::from).collect())
}

/// A new category or changes to one, as the client sent them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Lower-case letters, digits and dashes.
    #[schema(pattern = r"^[a-z0-9-]{2,60}$", example = "alat-tulis")]
    pub slug: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    /// The parent category's id; `""` makes it a top-level category.
    #[schema(pattern = r"^(?:|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")]
    pub parent_id: Option<String>,
    /// KBLI codes or prefixes (2 to 5 digits) a vendor needs to list here; empty: open to all.
    #[schema(value_type = Option<Vec<KbliPrefix>>)]
    pub kbli_prefixes: Option<Vec<String>>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

fn apply_category(conn: &mut DbConn, row: &mut CategoryRow, input: &CategoryInput) -> Result<(), CatalogError> {
    let mut e = FieldErrors::new();
    if let Some(slug) = &input.slug {
        let ok = (2..=60).contains(&slug.len())
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            row.slug = slug.clone();
        } else {
            e.add("slug", "must be 2 to 60 lower-case letters, digits or dashes");
        }
    }
    if let Some(name) = &input.name {
        if let Some(n) = e.check("name", parse_name(name, 100)) {
            row.name = n;
        }
    }
    if let Some(list) = &input.kbli_prefixes {
        for (i, p) in list.iter().enumerate() {
            if !(2..=5).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
                e.add(format!("kbli_prefixes[{i}]"), "must be 2 to 5 digits (a KBLI code or its prefix)");
            }
        }
        row.kbli_prefixes = list.join(",");
    }
    if let Some(p) = input.position {
        row.position = p;
    }
    if let Some(a) = input.active {
        row.active = a;
    }
    if let Some(parent) = input.parent_id.as_deref() {
        if parent.is_empty() {
            row.parent_id = None;
        } else {
            // The new parent must exist and must not be the category or one below it.
            let all = store::categories(conn)?;
            let mut cursor = Some(parent.to_owned());
            let mut cycle = false;
            while let Some(c) = cursor {
                if c == row.id {
                    cycle = true;
                    break;
                }
                cursor = all.iter().find(|x| x.id == c).and_then(|x| x.parent_id.clone());
            }
            if !all.iter().any(|x| x.id == parent) {
                e.add("parent_id", "no such category");
            } else if cycle {
                e.add("parent_id", "would make the category its own ancestor");
            } else {
                row.parent_id = Some(parent.to_owned());
            }
        }
    }
    e.finish().map_err(CatalogError::invalid)?;
    if store::slug_taken(conn, &row.slug, &row.id)? {
        return Err(CatalogError::AlreadyExists {
            field: "slug",
            detail: format!("The slug '{}' is taken.", row.slug),
        });
    }
    Ok(())
}

fn require_admin(actor: &Actor) -> Result<(), CatalogError> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(CatalogError::Forbidden("Only administrators manage categories."))
    }
}

pub fn create_category(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    input: CategoryInput,
) -> Result<CategoryView, CatalogError> {
    require_admin(actor)?;
    let mut e = FieldErrors::new();
    if input.slug.is_none() {
        e.add("slug", "is required");
    }
    if input.name.is_none() {
        e.add("name", "is required");
    }
    e.finish().map_err(CatalogError::invalid)?;
    write_tx(conn, |conn| {
        let mut row = CategoryRow {
            id: uuid::Uuid::now_v7().to_string(),
            parent_id: None,
            slug: String::new(),
            name: String::new(),
            kbli_prefixes: String::new(),
            position: 0,
            active: true,
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        apply_category(conn, &mut row, &input)?;
        store::insert_category(conn, &row)?;
        let view = CategoryView::from(row);
        audit_entry(
            conn,
            now,
            actor,
            ("category", &view.id),
            "category.create",
            None,
            serde_json::to_value(&view).unwrap_or_default(),
        )?;
        Ok(view)
    })
}

pub fn update_category(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &CategoryId,
    input: CategoryInput,
) -> Result<CategoryView, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    require_admin(actor)?;
    write_tx(conn, |conn| {
        let mut row = store::lock_category(conn, id)?.ok_or(CatalogError::NotFound("category"))?;
        let before = CategoryView::from(row.clone());
        apply_category(conn, &mut row, &input)?;
        row.updated_at = to_db(now);
        store::save_category(conn, &row)?;
        let view = CategoryView::from(row);
        audit_entry(
            conn,
            now,
            actor,
            ("category", id),
            "category.update",
            Some(serde_json::to_value(&before).unwrap_or_default()),
            serde_json::to_value(&view).unwrap_or_default(),
        )?;
        Ok(view)
    })
}

/// A KBLI code or its prefix (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[schema(pattern = r"^[0-9]{2,5}$")]
#[allow(dead_code)]
pub struct KbliPrefix(String);
