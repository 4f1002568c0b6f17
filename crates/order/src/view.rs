//! Orders as callers see them, and the lists of them.

use crate::access::{self, seat};
use crate::documents::DocumentKind;
use crate::error::{corrupt, OrderError};
use crate::model::OrderState;
use crate::store::{self, LineRow, OrderFilter, OrderRow};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::model::Actor;
use pasar_core::page::{Page, PageRequest};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::DbConn;
use serde::Serialize;

/// One line of an order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineView {
    /// 1-based line number; requests name lines by it.
    pub line: i32,
    pub product_id: String,
    pub product_name: String,
    pub unit: String,
    pub quantity: i64,
    /// The highest unit price (HST) at checkout: no agreed price may exceed it.
    pub hst_unit_price_idr: i64,
    /// The agreed unit price (the HST until a negotiation or addendum lowers it).
    pub unit_price_idr: i64,
    /// `quantity × unit_price_idr`.
    pub amount_idr: i64,
    pub shipped_quantity: i64,
    /// Recorded at inspection: only accepted units are billed.
    pub accepted_quantity: Option<i64>,
    pub condition: Option<String>,
    pub inspection_note: Option<String>,
    /// The catalogue's facts taken at checkout and frozen at the Surat Pesanan (`frozen`).
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    pub frozen: bool,
}

/// One round of a negotiation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub round: i32,
    /// `buyer` or `vendor`.
    pub party: String,
    /// `offer`, `counter`, `accept` or `end`.
    pub action: String,
    /// The unit prices proposed, per line.
    #[schema(value_type = Option<Object>)]
    pub prices: Option<serde_json::Value>,
    pub note: Option<String>,
    pub actor_id: String,
    pub at: DateTime<Utc>,
}

/// A signed document of the order (Surat Pesanan, BAST).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub number: String,
    /// Lower-case hex SHA-256 of `content`: `GET /api/v1/verify/{sha256}` confirms it.
    pub sha256: Option<String>,
    /// The document as signed, one fact per line.
    pub content: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// How the signature was made (method, signer, provider reference).
    #[schema(value_type = Option<Object>)]
    pub signature: Option<serde_json::Value>,
    pub vendor_signed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentView {
    pub id: String,
    #[schema(value_type = Object)]
    pub lines: serde_json::Value,
    pub courier: Option<String>,
    pub tracking: Option<String>,
    pub shipped_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AddendumView {
    pub version: i32,
    /// `proposed`, `accepted` or `rejected`.
    pub state: String,
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub reason: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One thing that happened to the order (from the audit log).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<String>,
}

/// An order as its list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub id: String,
    pub checkout_ref: String,
    pub state: OrderState,
    pub satker_id: String,
    pub vendor_id: String,
    pub buyer_id: String,
    pub ppk_id: String,
    pub method: String,
    pub rup_code: String,
    pub budget_line: String,
    pub funding_source: String,
    pub fiscal_year: i32,
    pub delivery_address: String,
    pub delivery_date: NaiveDate,
    pub note: Option<String>,
    pub hst_total_idr: i64,
    /// Sum of the lines at their agreed prices.
    pub total_idr: i64,
    /// When the order cancels itself unless whoever must act next acts.
    pub due_at: Option<DateTime<Utc>>,
    pub sp_number: Option<String>,
    pub invoice_number: Option<String>,
    pub cancel_reason: Option<String>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    /// Raised by every accepted addendum.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An order in full.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    #[serde(flatten)]
    pub summary: OrderSummary,
    pub lines: Vec<LineView>,
    pub negotiation: Vec<RoundView>,
    pub surat_pesanan: Option<DocumentView>,
    pub shipments: Vec<ShipmentView>,
    pub bast: Option<DocumentView>,
    /// The invoice's figures once the BAST is countersigned.
    #[schema(value_type = Option<Object>)]
    pub invoice: Option<serde_json::Value>,
    /// Lower-case hex SHA-256 of the invoice's figures as issued.
    pub invoice_sha256: Option<String>,
    pub addenda: Vec<AddendumView>,
    pub history: Vec<HistoryEntry>,
}

pub(crate) fn state_of(row: &OrderRow) -> Result<OrderState, OrderError> {
    OrderState::parse(&row.state).map_err(corrupt)
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
}

pub(crate) fn summary(row: &OrderRow) -> Result<OrderSummary, OrderError> {
    Ok(OrderSummary {
        id: row.id.clone(),
        checkout_ref: row.checkout_ref.clone(),
        state: state_of(row)?,
        satker_id: row.satker_id.clone(),
        vendor_id: row.vendor_id.clone(),
        buyer_id: row.buyer_id.clone(),
        ppk_id: row.ppk_id.clone(),
        method: row.method.clone(),
        rup_code: row.rup_code.clone(),
        budget_line: row.budget_line.clone(),
        funding_source: row.funding_source.clone(),
        fiscal_year: row.fiscal_year,
        delivery_address: row.delivery_address.clone(),
        delivery_date: NaiveDate::parse_from_str(&row.delivery_date, "%Y-%m-%d").map_err(corrupt)?,
        note: row.note.clone(),
        hst_total_idr: row.hst_total_idr,
        total_idr: row.total_idr,
        due_at: row.due_at.map(from_db),
        sp_number: row.sp_number.clone(),
        invoice_number: row.invoice_number.clone(),
        cancel_reason: row.cancel_reason.clone(),
        rating: row.rating,
        rating_comment: row.rating_comment.clone(),
        version: row.version,
        created_at: from_db(row.created_at),
        updated_at: from_db(row.updated_at),
    })
}

pub(crate) fn line_view(l: &LineRow) -> LineView {
    LineView {
        line: l.line_no,
        product_id: l.product_id.clone(),
        product_name: l.product_name.clone(),
        unit: l.unit.clone(),
        quantity: l.quantity,
        hst_unit_price_idr: l.hst_unit_price_idr,
        unit_price_idr: l.unit_price_idr,
        amount_idr: l.quantity.saturating_mul(l.unit_price_idr),
        shipped_quantity: l.shipped_quantity,
        accepted_quantity: l.accepted_quantity,
        condition: l.condition.clone(),
        inspection_note: l.inspection_note.clone(),
        facts: json(&l.facts_json),
        frozen: l.frozen_at.is_some(),
    }
}

/// The whole order as stored now.
pub(crate) fn full(conn: &mut DbConn, row: &OrderRow) -> Result<OrderView, OrderError> {
    let lines = store::lines(conn, &row.id)?.iter().map(line_view).collect();
    let negotiation = store::rounds(conn, &row.id)?
        .into_iter()
        .map(|r| RoundView {
            round: r.round,
            party: r.party,
            action: r.action,
            prices: r.prices_json.as_deref().map(json),
            note: r.note,
            actor_id: r.actor_id,
            at: from_db(r.created_at),
        })
        .collect();
    let registered = store::documents_of(conn, &row.id)?;
    let hash_of = |kind: DocumentKind| registered.iter().find(|d| d.kind == kind.as_str()).map(|d| d.sha256.clone());
    let surat_pesanan = row.sp_number.as_ref().map(|n| DocumentView {
        number: n.clone(),
        sha256: row.sp_sha256.clone(),
        content: row.sp_content.clone(),
        signed_at: row.sp_signed_at.map(from_db),
        signature: row.sp_signature.as_deref().map(json),
        vendor_signed_at: row.vendor_signed_at.map(from_db),
    });
    let bast = row.bast_number.as_ref().map(|n| DocumentView {
        number: n.clone(),
        sha256: hash_of(DocumentKind::Bast),
        content: row.bast_content.clone(),
        signed_at: row.bast_signed_at.map(from_db),
        signature: None,
        vendor_signed_at: row.bast_vendor_signed_at.map(from_db),
    });
    let shipments = store::shipments_of(conn, &row.id)?
        .into_iter()
        .map(|s| ShipmentView {
            id: s.id,
            lines: json(&s.lines_json),
            courier: s.courier,
            tracking: s.tracking,
            shipped_at: from_db(s.shipped_at),
        })
        .collect();
    let addenda = store::addenda_of(conn, &row.id)?
        .into_iter()
        .map(|a| AddendumView {
            version: a.version,
            state: a.state,
            changes: json(&a.changes_json),
            reason: a.reason,
            proposed_by: a.proposed_by,
            proposed_at: from_db(a.proposed_at),
            decided_at: a.decided_at.map(from_db),
        })
        .collect();
    let history = audit::for_entity(conn, "order", &row.id)?
        .into_iter()
        .map(|e| HistoryEntry { at: from_db(e.occurred_at), action: e.action, actor_id: e.actor_id })
        .collect();
    Ok(OrderView {
        summary: summary(row)?,
        lines,
        negotiation,
        surat_pesanan,
        shipments,
        bast,
        invoice: row.invoice_json.as_deref().map(json),
        invoice_sha256: hash_of(DocumentKind::Invoice),
        addenda,
        history,
    })
}

/// An order just checked out, from what the checkout wrote (no need to read it back).
pub(crate) fn fresh(row: &OrderRow, lines: &[LineRow], actor_id: &str) -> Result<OrderView, OrderError> {
    Ok(OrderView {
        summary: summary(row)?,
        lines: lines.iter().map(line_view).collect(),
        negotiation: vec![],
        surat_pesanan: None,
        shipments: vec![],
        bast: None,
        invoice: None,
        invoice_sha256: None,
        addenda: vec![],
        history: vec![HistoryEntry {
            at: from_db(row.created_at),
            action: "order.checkout".into(),
            actor_id: Some(actor_id.to_owned()),
        }],
    })
}

/// The order, for whoever may see it (see [`access`]); "not found" for anyone else.
pub fn get_order(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<OrderView, OrderError> {
    Ok(get_order_at_seat(conn, actor, id)?.0)
}

/// The order and the caller's seat at it (what the pages offer depends on the seat).
pub fn get_order_at_seat(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<(OrderView, access::Seat), OrderError> {
    let row = store::find_order(conn, id)?.ok_or(OrderError::NotFound("order"))?;
    let seat = seat(actor, &row)?;
    Ok((full(conn, &row)?, seat))
}

/// Which orders to list.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub state: Option<OrderState>,
    pub vendor_id: Option<String>,
    pub satker_id: Option<String>,
    /// Created on or after this day (the marketplace's local days).
    pub from: Option<NaiveDate>,
    /// Created on or before this day.
    pub to: Option<NaiveDate>,
}

/// The orders the caller may see, newest first: a satker's buyers and treasurer see
/// the satker's, a vendor its own, administrators and auditors all. Filters narrow
/// within that; a filter naming someone else's satker or vendor finds nothing.
pub fn list_orders(
    conn: &mut DbConn,
    settings: &crate::settings::OrderSettings,
    actor: &Actor,
    q: ListQuery,
    page: &PageRequest,
) -> Result<Page<OrderSummary>, OrderError> {
    let Some(f) = scoped_filter(settings, actor, q)? else {
        return Ok(Page { items: vec![], next_cursor: None });
    };
    let rows = store::list_orders(conn, &f, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let mut items = Vec::with_capacity(page.items.len());
    for r in &page.items {
        items.push(summary(r)?);
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// The filter that `q` becomes for `actor`, as [`list_orders`] applies it: the caller's
/// own satker or vendor is always part of it (administrators and auditors excepted).
/// `None` when the query can find nothing (it names someone else's satker or vendor);
/// forbidden for a role that has no orders. Exports use it, so that they are scoped
/// exactly as the list is.
pub fn scoped_filter(
    settings: &crate::settings::OrderSettings,
    actor: &Actor,
    q: ListQuery,
) -> Result<Option<OrderFilter>, OrderError> {
    let org = actor.organization_id.to_string();
    let mut f = OrderFilter { state: q.state.map(|s| s.as_str().to_owned()), ..Default::default() };
    if actor.reads_everything() {
        f.satker_id = q.satker_id;
        f.vendor_id = q.vendor_id;
    } else if access::reads_satker(actor, &org) {
        if q.satker_id.as_ref().is_some_and(|s| *s != org) {
            return Ok(None);
        }
        f.satker_id = Some(org);
        f.vendor_id = q.vendor_id;
    } else if actor.has_any(&[pasar_auth::Role::VendorOwner, pasar_auth::Role::VendorStaff]) {
        if q.vendor_id.as_ref().is_some_and(|v| *v != org) {
            return Ok(None);
        }
        f.vendor_id = Some(org);
        f.satker_id = q.satker_id;
    } else {
        return Err(OrderError::Forbidden(
            "Orders are for buyers, treasurers, vendors, administrators and auditors.".into(),
        ));
    }
    let zone = settings.time_zone();
    f.from = q.from.map(|d| to_db(zone.start_of(d)));
    f.until = q.to.and_then(|d| d.succ_opt()).map(|d| to_db(zone.start_of(d)));
    Ok(Some(f))
}

/// Appends the order's audit entry.
pub(crate) fn audit_order(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    order_id: &str,
    action: &str,
    after: serde_json::Value,
) -> Result<(), OrderError> {
    let actor_id = actor.map(|a| a.user_id.to_string());
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: actor_id.as_deref(),
            action,
            entity_type: "order",
            entity_id: order_id,
            before: None,
            after: Some(after),
            request_id: actor.and_then(|a| a.request_id.as_deref()),
        },
    )?;
    Ok(())
}
