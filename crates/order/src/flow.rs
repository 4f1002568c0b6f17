//! What happens to an order after checkout: negotiation, the PPK's approval and the
//! Surat Pesanan, the vendor's confirmation, the deadlines, delivery, inspection, BAST,
//! the invoice, addenda and the rating. Every use case is one transaction that locks
//! the order, checks the caller's seat and the state table ([`crate::model`]), and
//! writes its audit entry and its mails.

use crate::access::{self, seat, Seat};
use crate::cart::check_budget;
use crate::documents::{self, DocumentKind};
use crate::error::OrderError;
use crate::model::{Action, Condition, Party};
use crate::notify::{self, To};
use crate::settings::OrderSettings;
use crate::store::{self, AddendumRow, LineRow, OrderRow, RoundRow, ShipmentRow};
use crate::view::{self, audit_order, state_of, OrderView};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::model::Actor;
use pasar_catalog::stock;
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::Rupiah;
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use serde::Deserialize;
use serde_json::json;

/// Runs one use case on a locked order: `who` checks the caller's seat, the state
/// table checks `action`, `body` does the work (and may change the row), and the new
/// state, the audit entry `order.<action>` and the row are written together.
fn transition(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    id: &str,
    action: Action,
    who: impl FnOnce(&OrderRow) -> Result<(), OrderError>,
    body: impl FnOnce(&mut DbConn, &mut OrderRow) -> Result<serde_json::Value, OrderError>,
) -> Result<OrderView, OrderError> {
    write_tx(conn, |conn| {
        let mut row = store::lock_order(conn, id)?.ok_or(OrderError::NotFound("order"))?;
        who(&row)?;
        let from = state_of(&row)?;
        let to = from.after(action)?;
        row.state = to.as_str().into();
        row.updated_at = to_db(now);
        let detail = body(conn, &mut row)?;
        if to.is_final() && row.ended_at.is_none() {
            row.ended_at = Some(to_db(now));
        }
        store::save_order(conn, &row)?;
        let mut after = json!({ "from": from, "to": row.state });
        if let (Some(a), serde_json::Value::Object(d)) = (after.as_object_mut(), detail) {
            a.extend(d);
        }
        audit_order(conn, now, actor, &row.id, &format!("order.{action}"), after)?;
        view::full(conn, &row)
    })
}

fn reason(text: &str) -> Result<String, OrderError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 1_000 {
        return Err(OrderError::field("reason", "must be 1 to 1000 characters"));
    }
    Ok(t.to_owned())
}

fn due(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    days: u32,
) -> Result<chrono::NaiveDateTime, OrderError> {
    Ok(to_db(pasar_db::calendar::add_working_days(conn, now, days, settings.time_zone())?))
}

/// Gives every line's stock back (the order ended before delivery).
fn release_stock(conn: &mut DbConn, now: DateTime<Utc>, order_id: &str) -> Result<(), OrderError> {
    // In product order, as checkout takes stock: two transactions never wait on each
    // other's products in a circle.
    let mut lines = store::lines(conn, order_id)?;
    lines.sort_by(|a, b| a.product_id.cmp(&b.product_id));
    for l in lines {
        stock::release(conn, now, &l.product_id, l.quantity)?;
    }
    Ok(())
}

fn total_of(lines: &[LineRow]) -> Result<i64, OrderError> {
    lines
        .iter()
        .try_fold(0i64, |a, l| l.quantity.checked_mul(l.unit_price_idr).and_then(|x| a.checked_add(x)))
        .ok_or_else(|| OrderError::field("lines", "the order's total is too large"))
}

// ---- negotiation ----

/// A unit price for one line.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LinePrice {
    /// The line number (1-based).
    pub line: i32,
    pub unit_price_idr: i64,
}

/// A move in the negotiation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NegotiationInput {
    /// `offer` (the buyer proposes lower prices), `counter` (the vendor answers with its
    /// own), `accept` (the other side's last proposal is agreed), or `decline` / `end`
    /// (stop; the prices agreed before stay).
    pub action: String,
    /// For `offer` and `counter`: the proposed unit prices (lines not named keep theirs).
    pub lines: Option<Vec<LinePrice>>,
    pub note: Option<String>,
}

fn proposal(lines: &[LineRow], input: &[LinePrice], base: &[i64]) -> Result<Vec<i64>, OrderError> {
    let mut errors = FieldErrors::new();
    let mut prices = base.to_vec();
    let mut seen = Vec::new();
    if input.is_empty() {
        errors.add("lines", "must name at least one line");
    }
    for (i, p) in input.iter().enumerate() {
        let Some(l) = lines.iter().find(|l| l.line_no == p.line) else {
            errors.add(format!("lines[{i}].line"), format!("must be a line of this order (1 to {})", lines.len()));
            continue;
        };
        if seen.contains(&p.line) {
            errors.add(format!("lines[{i}].line"), "is named twice");
        }
        seen.push(p.line);
        if p.unit_price_idr < 1 || p.unit_price_idr > l.hst_unit_price_idr {
            errors.add(
                format!("lines[{i}].unit_price_idr"),
                format!("must be between 1 and the HST of {}", Rupiah(l.hst_unit_price_idr)),
            );
        } else {
            prices[(l.line_no - 1) as usize] = p.unit_price_idr;
        }
    }
    errors.finish().map_err(OrderError::invalid)?;
    Ok(prices)
}

/// One move in the price negotiation between the buyer (PP or PPK) and the vendor.
pub fn negotiate(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: NegotiationInput,
) -> Result<OrderView, OrderError> {
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1_000) {
        return Err(OrderError::field("note", "must be at most 1000 characters"));
    }
    let action = match input.action.as_str() {
        "offer" => Action::Offer,
        "counter" => Action::Counter,
        "accept" => Action::AcceptPrices,
        "end" | "decline" => Action::EndNegotiation,
        _ => return Err(OrderError::field("action", "must be one of: offer, counter, accept, decline, end")),
    };
    let ppk_due = due(conn, settings, now, settings.ppk_days)?;
    let seated = std::cell::Cell::new(Party::Buyer);
    transition(
        conn,
        now,
        Some(actor),
        id,
        action,
        |row| {
            let party = match seat(actor, row)? {
                Seat::Buyer { .. } => Party::Buyer,
                Seat::Vendor => Party::Vendor,
                _ => return Err(OrderError::Forbidden("Only the buyer and the vendor negotiate.".into())),
            };
            let allowed = match action {
                Action::Offer => party == Party::Buyer,
                Action::Counter => party == Party::Vendor,
                _ => true,
            };
            seated.set(party);
            if allowed {
                Ok(())
            } else {
                Err(OrderError::Forbidden(format!("The {party} may not {action}.")))
            }
        },
        |conn, row| {
            let party = seated.get();
            let mut lines = store::lines(conn, &row.id)?;
            let rounds = store::rounds(conn, &row.id)?;
            let last = rounds.last().filter(|r| matches!(r.action.as_str(), "offer" | "counter"));
            let waiting_on_other = last.is_some_and(|r| r.party == party.as_str());
            let current: Vec<i64> = lines.iter().map(|l| l.unit_price_idr).collect();
            let (prices, label) = match action {
                Action::Offer | Action::Counter => {
                    if waiting_on_other {
                        return Err(OrderError::Conflict(
                            "Wait for the other side's answer to your last proposal.".into(),
                        ));
                    }
                    if action == Action::Counter && last.is_none() {
                        return Err(OrderError::Conflict("There is no offer to counter.".into()));
                    }
                    let base: Vec<i64> = last
                        .and_then(|r| r.prices_json.as_deref())
                        .and_then(|p| serde_json::from_str(p).ok())
                        .unwrap_or(current.clone());
                    let given = input.lines.as_deref().unwrap_or_default();
                    (Some(proposal(&lines, given, &base)?), action.as_str())
                }
                Action::AcceptPrices => {
                    let Some(last) = last.filter(|r| r.party != party.as_str()) else {
                        return Err(OrderError::Conflict("There is no proposal from the other side to accept.".into()));
                    };
                    let agreed: Vec<i64> = last
                        .prices_json
                        .as_deref()
                        .and_then(|p| serde_json::from_str(p).ok())
                        .ok_or_else(|| crate::error::corrupt("a negotiation round without prices"))?;
                    for (l, p) in lines.iter_mut().zip(&agreed) {
                        l.unit_price_idr = *p;
                        store::save_line(conn, l)?;
                    }
                    row.total_idr = total_of(&lines)?;
                    row.due_at = Some(ppk_due);
                    (Some(agreed), "accept")
                }
                _ => {
                    row.due_at = Some(ppk_due);
                    (None, "end")
                }
            };
            if matches!(action, Action::Offer | Action::Counter) {
                // The PPK's clock stops while the price is being negotiated.
                row.due_at = None;
            }
            let round = rounds.len() as i32 + 1;
            store::insert_round(
                conn,
                &RoundRow {
                    order_id: row.id.clone(),
                    round,
                    party: party.as_str().into(),
                    action: label.into(),
                    prices_json: prices.as_ref().map(|p| serde_json::to_string(p).unwrap_or_default()),
                    note: note.clone(),
                    actor_id: actor.user_id.to_string(),
                    created_at: to_db(now),
                },
            )?;
            let other = if party == Party::Buyer { To::Vendor } else { To::Buyers };
            let mut to = vec![other];
            if matches!(action, Action::AcceptPrices | Action::EndNegotiation) {
                to.push(To::Ppk);
            }
            notify::send(
                conn,
                now,
                row,
                &to,
                "Negosiasi harga / Price negotiation",
                &format!("Babak {round}: {party} — {label}.\nRound {round}: the {party} chose to {label}."),
            )?;
            Ok(json!({ "round": round, "party": party, "prices": prices, "total_idr": row.total_idr }))
        },
    )
}

// ---- approval and the Surat Pesanan ----

/// The PPK named on the order approves it and signs the Surat Pesanan: the lines'
/// facts are frozen, the document gets the satker's next number, its content and
/// SHA-256 are kept, and the vendor has `vendor_days` working days to countersign.
pub fn approve(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<OrderView, OrderError> {
    let vendor_due = due(conn, settings, now, settings.vendor_days)?;
    let today = local_date(now, settings.time_zone());
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Approve,
        |row| access::order_ppk(actor, row),
        |conn, row| {
            let mut lines = store::lines(conn, &row.id)?;
            let ids: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let offers = stock::offers(conn, &settings.vendors, &ids, today)?;
            for (l, offer) in lines.iter_mut().zip(offers) {
                // The facts as they stand at the Surat Pesanan; a product gone since
                // checkout keeps the facts it was bought with.
                if let Some(offer) = offer {
                    let (hst, agreed) = (l.hst_unit_price_idr, l.unit_price_idr);
                    *l = l.clone().with_facts(&offer.facts);
                    l.hst_unit_price_idr = hst;
                    l.unit_price_idr = agreed;
                }
                l.frozen_at = Some(to_db(now));
                store::save_line(conn, l)?;
            }
            let year = today.format("%Y").to_string();
            let seq = store::next_number(conn, &format!("sp/{}/{year}", row.satker_id))?;
            let number = format!("SP-{year}-{seq:05}");
            let doc = documents::surat_pesanan(conn, actor, row, &lines, &number, today)?;
            let sha = documents::sha256_hex(&doc);
            let signature = settings.signer.sign(actor, &sha, now)?;
            row.sp_number = Some(number.clone());
            row.sp_content = Some(doc);
            row.sp_sha256 = Some(sha.clone());
            row.sp_signed_at = Some(to_db(now));
            row.sp_signature = Some(signature.to_string());
            row.due_at = Some(vendor_due);
            store::project_p3dn(conn, settings.time_zone(), row, &lines, None)?;
            documents::register(conn, &row.id, DocumentKind::SuratPesanan, &sha, &number, now, row.total_idr)?;
            notify::send(
                conn,
                now,
                row,
                &[To::Vendor, To::Buyers],
                "Surat Pesanan terbit / Surat Pesanan issued",
                &format!(
                    "Surat Pesanan {number} telah ditandatangani PPK. Penyedia wajib mengonfirmasi sebelum {}.\n\
                 Surat Pesanan {number} is signed by the PPK; the vendor must confirm it before {}.",
                    local_date(pasar_db::time::from_db(vendor_due), settings.time_zone()),
                    local_date(pasar_db::time::from_db(vendor_due), settings.time_zone()),
                ),
            )?;
            Ok(json!({ "sp_number": number, "sp_sha256": sha }))
        },
    )
}

/// A reason given for ending an order.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReasonInput {
    /// 1 to 1000 characters.
    pub reason: String,
}

/// How an order ends before delivery: the action, the reason, who is told.
struct Ending<'a> {
    action: Action,
    why: String,
    tell: &'a [To],
}

fn end_order(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    id: &str,
    who: impl FnOnce(&OrderRow) -> Result<(), OrderError>,
    Ending { action, why, tell }: Ending<'_>,
) -> Result<OrderView, OrderError> {
    transition(conn, now, actor, id, action, who, |conn, row| {
        release_stock(conn, now, &row.id)?;
        row.cancel_reason = Some(why.clone());
        row.due_at = None;
        notify::send(conn, now, row, tell, "Pesanan dibatalkan / Order cancelled", &format!("Alasan / reason: {why}"))?;
        Ok(json!({ "reason": why }))
    })
}

/// The order's PPK refuses it; the stock goes back.
pub fn reject(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ReasonInput,
) -> Result<OrderView, OrderError> {
    let why = reason(&input.reason)?;
    let ending = Ending { action: Action::Reject, why, tell: &[To::Buyers, To::Vendor] };
    end_order(conn, now, Some(actor), id, |r| access::order_ppk(actor, r), ending)
}

/// The buyer withdraws the order before the Surat Pesanan; the stock goes back.
pub fn cancel(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ReasonInput,
) -> Result<OrderView, OrderError> {
    let why = reason(&input.reason)?;
    let ending = Ending { action: Action::Cancel, why, tell: &[To::Buyers, To::Vendor] };
    end_order(conn, now, Some(actor), id, |r| access::buyer(actor, r), ending)
}

/// The vendor countersigns the Surat Pesanan.
pub fn accept(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: &str) -> Result<OrderView, OrderError> {
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Accept,
        |r| access::vendor(actor, r),
        |conn, row| {
            row.vendor_signed_at = Some(to_db(now));
            row.due_at = None;
            notify::send(
                conn,
                now,
                row,
                &[To::Buyers],
                "Penyedia menerima pesanan / The vendor accepted the order",
                "Penyedia telah menandatangani Surat Pesanan.\nThe vendor countersigned the Surat Pesanan.",
            )?;
            Ok(json!({ "countersigned": true }))
        },
    )
}

/// The vendor refuses the Surat Pesanan; the stock goes back.
pub fn decline(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ReasonInput,
) -> Result<OrderView, OrderError> {
    let why = reason(&input.reason)?;
    let ending = Ending { action: Action::Decline, why, tell: &[To::Buyers] };
    end_order(conn, now, Some(actor), id, |r| access::vendor(actor, r), ending)
}

/// Cancels every order whose deadline has passed (the PPK did not approve, or the
/// vendor did not confirm, within their working days). Returns how many.
pub fn expire_overdue(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, OrderError> {
    let ids = store::overdue(conn, to_db(now), 500)?;
    let mut n = 0;
    for id in ids {
        let still_due = |row: &OrderRow| match row.due_at {
            Some(d) if d <= to_db(now) => Ok(()),
            _ => Err(OrderError::Conflict("no longer due".into())),
        };
        let why = "Batas waktu terlewati / the deadline passed".to_owned();
        let ending = Ending { action: Action::Expire, why, tell: &[To::Buyers, To::Vendor] };
        match end_order(conn, now, None, &id, still_due, ending) {
            Ok(_) => n += 1,
            // Someone acted in the meantime.
            Err(OrderError::Conflict(_) | OrderError::InvalidState { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

// ---- delivery, inspection, BAST, invoice ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ShippedLine {
    pub line: i32,
    pub quantity: i64,
}

/// A shipment (partial shipments allowed).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ShipmentInput {
    pub lines: Vec<ShippedLine>,
    pub courier: Option<String>,
    pub tracking: Option<String>,
}

fn short_text(errors: &mut FieldErrors, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    Some(v.to_owned())
}

/// The vendor records a shipment.
pub fn ship(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ShipmentInput,
) -> Result<OrderView, OrderError> {
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Ship,
        |r| access::vendor(actor, r),
        |conn, row| {
            let mut lines = store::lines(conn, &row.id)?;
            let mut errors = FieldErrors::new();
            let courier = short_text(&mut errors, "courier", &input.courier, 100);
            let tracking = short_text(&mut errors, "tracking", &input.tracking, 100);
            if input.lines.is_empty() {
                errors.add("lines", "must name at least one line");
            }
            for (i, s) in input.lines.iter().enumerate() {
                match lines.iter_mut().find(|l| l.line_no == s.line) {
                    None => errors.add(format!("lines[{i}].line"), "must be a line of this order"),
                    Some(l) if s.quantity < 1 || s.quantity > l.quantity - l.shipped_quantity => errors.add(
                        format!("lines[{i}].quantity"),
                        format!("must be between 1 and the {} not shipped yet", l.quantity - l.shipped_quantity),
                    ),
                    Some(l) => l.shipped_quantity += s.quantity,
                }
            }
            errors.finish().map_err(OrderError::invalid)?;
            for l in &lines {
                store::save_line(conn, l)?;
            }
            let shipment = uuid::Uuid::now_v7().to_string();
            let shipped = json!(input
                .lines
                .iter()
                .map(|s| json!({ "line": s.line, "quantity": s.quantity }))
                .collect::<Vec<_>>());
            store::insert_shipment(
                conn,
                &ShipmentRow {
                    id: shipment.clone(),
                    order_id: row.id.clone(),
                    lines_json: shipped.to_string(),
                    courier,
                    tracking,
                    actor_id: actor.user_id.to_string(),
                    shipped_at: to_db(now),
                },
            )?;
            notify::send(
                conn,
                now,
                row,
                &[To::Ppk],
                "Barang dikirim / Goods shipped",
                "Penyedia mencatat pengiriman.\nThe vendor recorded a shipment.",
            )?;
            Ok(json!({ "shipment": shipment, "lines": shipped }))
        },
    )
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct InspectedLine {
    pub line: i32,
    /// Units accepted: at most the units shipped. Only accepted units are billed.
    pub accepted_quantity: i64,
    /// `good`, `damaged`, `incomplete` or `late`.
    pub condition: String,
    pub note: Option<String>,
}

/// The PPK's inspection: every line, once.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReceiptInput {
    pub lines: Vec<InspectedLine>,
}

/// The order's PPK records the inspection of every line.
pub fn receive(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ReceiptInput,
) -> Result<OrderView, OrderError> {
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Receive,
        |r| access::order_ppk(actor, r),
        |conn, row| {
            let mut lines = store::lines(conn, &row.id)?;
            let mut errors = FieldErrors::new();
            for (i, r) in input.lines.iter().enumerate() {
                let condition = errors.check(&format!("lines[{i}].condition"), Condition::parse(&r.condition));
                let note = short_text(&mut errors, &format!("lines[{i}].note"), &r.note, 1_000);
                match lines.iter_mut().find(|l| l.line_no == r.line) {
                    None => errors.add(format!("lines[{i}].line"), "must be a line of this order"),
                    Some(l) if l.accepted_quantity.is_some() => {
                        errors.add(format!("lines[{i}].line"), "is named twice")
                    }
                    Some(l) if r.accepted_quantity < 0 || r.accepted_quantity > l.shipped_quantity => errors.add(
                        format!("lines[{i}].accepted_quantity"),
                        format!("must be between 0 and the {} shipped", l.shipped_quantity),
                    ),
                    Some(l) => {
                        l.accepted_quantity = Some(r.accepted_quantity);
                        l.condition = condition.map(|c| c.as_str().to_owned());
                        l.inspection_note = note;
                    }
                }
            }
            for l in &lines {
                if l.accepted_quantity.is_none() && !input.lines.iter().any(|r| r.line == l.line_no) {
                    errors.add("lines", format!("must inspect every line; line {} is missing", l.line_no));
                }
            }
            errors.finish().map_err(OrderError::invalid)?;
            for l in &lines {
                store::save_line(conn, l)?;
            }
            let accepted: Vec<_> =
                lines.iter().map(|l| json!({ "line": l.line_no, "accepted": l.accepted_quantity })).collect();
            Ok(json!({ "lines": accepted }))
        },
    )
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BastInput {
    /// The satker's own BAST number (1 to 100 characters).
    pub bast_number: String,
}

/// The order's PPK signs the BAST with the satker's own number.
pub fn sign_bast(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: BastInput,
) -> Result<OrderView, OrderError> {
    let number = input.bast_number.trim().to_owned();
    if number.is_empty() || number.chars().count() > 100 {
        return Err(OrderError::field("bast_number", "must be 1 to 100 characters"));
    }
    let today = local_date(now, settings.time_zone());
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::SignBast,
        |r| access::order_ppk(actor, r),
        |conn, row| {
            let lines = store::lines(conn, &row.id)?;
            let doc = documents::bast(conn, row, &lines, &number, today)?;
            let sha = documents::sha256_hex(&doc);
            documents::register(conn, &row.id, DocumentKind::Bast, &sha, &number, now, documents::bast_total(&lines))?;
            row.bast_number = Some(number.clone());
            row.bast_signed_at = Some(to_db(now));
            row.bast_content = Some(doc);
            notify::send(
                conn,
                now,
                row,
                &[To::Vendor],
                "BAST ditandatangani PPK / BAST signed",
                &format!("BAST {number}: mohon ditandatangani.\nPlease countersign BAST {number}."),
            )?;
            Ok(json!({ "bast_number": number, "bast_sha256": sha }))
        },
    )
}

/// The vendor countersigns the BAST, and the invoice is issued with its own number.
pub fn countersign_bast(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<OrderView, OrderError> {
    let today = local_date(now, settings.time_zone());
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::CountersignBast,
        |r| access::vendor(actor, r),
        |conn, row| {
            row.bast_vendor_signed_at = Some(to_db(now));
            let lines = store::lines(conn, &row.id)?;
            let year = today.format("%Y").to_string();
            let seq = store::next_number(conn, &format!("invoice/{}/{year}", row.vendor_id))?;
            let number = format!("INV-{year}-{seq:05}");
            let invoice = documents::invoice(conn, settings, row, &lines, &number, today)?;
            let text = invoice.to_string();
            let sha = documents::invoice_sha256(&text);
            let total = documents::invoice_total(&invoice);
            documents::register(conn, &row.id, DocumentKind::Invoice, &sha, &number, now, total)?;
            row.invoice_number = Some(number.clone());
            row.invoice_json = Some(text);
            row.invoiced_at = Some(to_db(now));
            notify::send(
                conn,
                now,
                row,
                &[To::Treasurers, To::Vendor],
                "Tagihan terbit / Invoice issued",
                &format!("Tagihan {number} menunggu pembayaran.\nInvoice {number} awaits payment."),
            )?;
            Ok(json!({ "invoice_number": number, "payable_idr": invoice.get("payable_idr"), "invoice_sha256": sha }))
        },
    )
}

/// The order's invoice (whoever may see the order), once the BAST is countersigned.
pub fn invoice(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<serde_json::Value, OrderError> {
    let row = store::find_order(conn, id)?.ok_or(OrderError::NotFound("order"))?;
    seat(actor, &row)?;
    let raw = row.invoice_json.as_deref().ok_or(OrderError::NotFound("invoice"))?;
    serde_json::from_str(raw).map_err(crate::error::corrupt)
}

// ---- addenda ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LineChange {
    pub line: i32,
    pub quantity: Option<i64>,
    pub unit_price_idr: Option<i64>,
}

/// A change to the order after the Surat Pesanan.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AddendumInput {
    pub lines: Option<Vec<LineChange>>,
    /// A new delivery date, `YYYY-MM-DD`.
    pub delivery_date: Option<String>,
    pub reason: String,
}

/// The order's PPK proposes an addendum; the vendor accepts or rejects it.
pub fn propose_addendum(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: AddendumInput,
) -> Result<OrderView, OrderError> {
    let why = reason(&input.reason)?;
    let today = local_date(now, settings.time_zone());
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Amend,
        |r| access::order_ppk(actor, r),
        |conn, row| {
            let pending = store::addenda_of(conn, &row.id)?;
            if pending.iter().any(|a| a.state == "proposed") {
                return Err(OrderError::Conflict("An addendum already waits for the vendor's answer.".into()));
            }
            let lines = store::lines(conn, &row.id)?;
            let mut errors = FieldErrors::new();
            let changes = input.lines.clone().unwrap_or_default();
            for (i, c) in changes.iter().enumerate() {
                let Some(l) = lines.iter().find(|l| l.line_no == c.line) else {
                    errors.add(format!("lines[{i}].line"), "must be a line of this order");
                    continue;
                };
                if let Some(q) = c.quantity {
                    if q < l.shipped_quantity.max(1) || q > crate::cart::MAX_QUANTITY {
                        errors.add(
                            format!("lines[{i}].quantity"),
                            format!("must be at least {} (already shipped, and at least 1)", l.shipped_quantity.max(1)),
                        );
                    }
                }
                if let Some(p) = c.unit_price_idr {
                    if p < 1 || p > l.hst_unit_price_idr {
                        errors.add(
                            format!("lines[{i}].unit_price_idr"),
                            format!("must be between 1 and the HST of {}", Rupiah(l.hst_unit_price_idr)),
                        );
                    }
                }
                if c.quantity.is_none() && c.unit_price_idr.is_none() {
                    errors.add(format!("lines[{i}]"), "must change the quantity or the unit price");
                }
            }
            let date = match input.delivery_date.as_deref().map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d")) {
                Some(Ok(d)) if d < today => {
                    errors.add("delivery_date", "must be today or later");
                    None
                }
                Some(Ok(d)) => Some(d),
                Some(Err(_)) => {
                    errors.add("delivery_date", "must be a date, YYYY-MM-DD");
                    None
                }
                None => None,
            };
            if changes.is_empty() && date.is_none() {
                errors.add("lines", "an addendum must change a line or the delivery date");
            }
            errors.finish().map_err(OrderError::invalid)?;
            let version = pending.len() as i32 + 2;
            let body = json!({
                "lines": changes.iter().map(|c| json!({ "line": c.line, "quantity": c.quantity, "unit_price_idr": c.unit_price_idr })).collect::<Vec<_>>(),
                "delivery_date": date.map(|d| d.to_string()),
            });
            store::insert_addendum(
                conn,
                &AddendumRow {
                    order_id: row.id.clone(),
                    version,
                    state: "proposed".into(),
                    changes_json: body.to_string(),
                    reason: why.clone(),
                    proposed_by: actor.user_id.to_string(),
                    proposed_at: to_db(now),
                    decided_by: None,
                    decided_at: None,
                },
            )?;
            notify::send(
                conn,
                now,
                row,
                &[To::Vendor],
                "Usulan adendum / An addendum is proposed",
                &format!("Adendum {version}: {why}"),
            )?;
            Ok(json!({ "addendum": version, "changes": body, "reason": why }))
        },
    )
}

/// The vendor's answer to the pending addendum `version`.
pub fn decide_addendum(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    zone: pasar_core::Zone,
    actor: &Actor,
    id: &str,
    version: i32,
    accept: bool,
) -> Result<OrderView, OrderError> {
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Amend,
        |r| access::vendor(actor, r),
        |conn, row| {
            let mut addendum = store::addenda_of(conn, &row.id)?
                .into_iter()
                .find(|a| a.version == version)
                .ok_or(OrderError::NotFound("addendum"))?;
            if addendum.state != "proposed" {
                return Err(OrderError::Conflict(format!("Addendum {version} is already {}.", addendum.state)));
            }
            addendum.state = if accept { "accepted" } else { "rejected" }.into();
            addendum.decided_by = Some(actor.user_id.to_string());
            addendum.decided_at = Some(to_db(now));
            store::save_addendum(conn, &addendum)?;
            if accept {
                let changes: serde_json::Value =
                    serde_json::from_str(&addendum.changes_json).map_err(crate::error::corrupt)?;
                let mut lines = store::lines(conn, &row.id)?;
                // Stock in product order, as everywhere (see `release_stock`).
                let mut ordered = changes["lines"].as_array().cloned().unwrap_or_default();
                ordered.sort_by_key(|c| {
                    lines
                        .iter()
                        .find(|l| Some(i64::from(l.line_no)) == c["line"].as_i64())
                        .map(|l| l.product_id.clone())
                });
                for c in ordered {
                    let Some(l) = lines.iter_mut().find(|l| Some(i64::from(l.line_no)) == c["line"].as_i64()) else {
                        continue;
                    };
                    if let Some(q) = c["quantity"].as_i64() {
                        if q > l.quantity && !stock::reserve(conn, now, &l.product_id, q - l.quantity)? {
                            return Err(OrderError::InsufficientStock {
                                field: format!("lines[{}].quantity", l.line_no - 1),
                                product: l.product_name.clone(),
                                available: stock::available(conn, &l.product_id)?,
                            });
                        }
                        if q < l.quantity {
                            stock::release(conn, now, &l.product_id, l.quantity - q)?;
                        }
                        l.quantity = q;
                    }
                    if let Some(p) = c["unit_price_idr"].as_i64() {
                        l.unit_price_idr = p;
                    }
                    store::save_line(conn, l)?;
                }
                let total = total_of(&lines)?;
                if total > row.total_idr {
                    check_budget(conn, &row.satker_id, row.fiscal_year, &row.budget_line, total - row.total_idr)?;
                }
                row.total_idr = total;
                if let Some(d) = changes["delivery_date"].as_str() {
                    row.delivery_date = d.to_owned();
                }
                row.version += 1;
                store::project_p3dn(conn, zone, row, &lines, None)?;
            }
            let verdict = if accept { "diterima / accepted" } else { "ditolak / rejected" };
            notify::send(
                conn,
                now,
                row,
                &[To::Buyers],
                "Jawaban adendum / Addendum answered",
                &format!("Adendum {version} {verdict}."),
            )?;
            Ok(json!({ "addendum": version, "accepted": accept, "total_idr": row.total_idr, "version": row.version }))
        },
    )
}

// ---- rating ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RatingInput {
    /// 1 (poor) to 5 (excellent).
    pub score: i32,
    pub comment: Option<String>,
}

/// The order's PPK rates the vendor, once, when the goods are accepted and invoiced.
pub fn rate(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: RatingInput,
) -> Result<OrderView, OrderError> {
    let mut errors = FieldErrors::new();
    if !(1..=5).contains(&input.score) {
        errors.add("score", "must be 1 to 5");
    }
    let comment = short_text(&mut errors, "comment", &input.comment, 1_000);
    errors.finish().map_err(OrderError::invalid)?;
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::Rate,
        |r| access::order_ppk(actor, r),
        |_, row| {
            if row.rating.is_some() {
                return Err(OrderError::Conflict("This order is already rated.".into()));
            }
            row.rating = Some(input.score);
            row.rating_comment = comment.clone();
            row.rated_at = Some(to_db(now));
            Ok(json!({ "score": input.score }))
        },
    )
}

/// One rating of a vendor.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RatingView {
    pub score: i32,
    pub comment: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
}

/// What PPKs said of a vendor after its orders.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VendorRating {
    /// The average score, to one decimal (`null` before the first rating).
    pub average: Option<f64>,
    pub count: usize,
    /// The 20 latest.
    pub recent: Vec<RatingView>,
}

/// A vendor's rating from its orders (for its public profile).
pub fn vendor_rating(conn: &mut DbConn, vendor_id: &str) -> Result<VendorRating, OrderError> {
    let all = store::vendor_ratings(conn, vendor_id)?;
    let scores: Vec<i32> = all.iter().filter_map(|r| r.0).collect();
    let average = (!scores.is_empty())
        .then(|| (f64::from(scores.iter().sum::<i32>()) / scores.len() as f64 * 10.0).round() / 10.0);
    let recent = all
        .into_iter()
        .take(20)
        .filter_map(|(s, comment, at)| {
            s.map(|score| RatingView { score, comment, rated_at: at.map(pasar_db::time::from_db) })
        })
        .collect();
    Ok(VendorRating { average, count: scores.len(), recent })
}

// ---- payment ----
//
// The payment capability issues the virtual account and hears of the payment; it calls
// these inside its own transaction (they become savepoints of it), so the order's state,
// its audit entries and the VA change together.

/// A step for the payment capability inside its own transaction: the order, locked
/// (`FOR UPDATE` on PostgreSQL) so that its state cannot change under the caller, or
/// not found. No rights are checked: the caller checks the seat ([`crate::access`]).
pub fn lock(conn: &mut DbConn, id: &str) -> Result<OrderRow, OrderError> {
    store::lock_order(conn, id)?.ok_or(OrderError::NotFound("order"))
}

/// The order as stored, or not found (no rights checked, as [`lock`]).
pub fn find(conn: &mut DbConn, id: &str) -> Result<OrderRow, OrderError> {
    store::find_order(conn, id)?.ok_or(OrderError::NotFound("order"))
}

/// The satker's treasurer asks for payment of the invoice: `invoiced → awaiting_payment`.
/// `detail` (the VA issued) is kept in the audit entry.
pub fn request_payment(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    detail: serde_json::Value,
) -> Result<OrderView, OrderError> {
    transition(
        conn,
        now,
        Some(actor),
        id,
        Action::RequestPayment,
        |r| match seat(actor, r)? {
            Seat::Treasurer => Ok(()),
            _ => Err(OrderError::Forbidden("Only the satker's bendahara asks for payment.".into())),
        },
        |_, _| Ok(detail),
    )
}

/// The bank reported the invoice paid: `awaiting_payment → paid → completed`, each with
/// its audit entry (`detail`, the payment, on the first), and the treasurers and the
/// vendor are told.
pub fn settle(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    zone: pasar_core::Zone,
    id: &str,
    detail: serde_json::Value,
) -> Result<OrderView, OrderError> {
    write_tx(conn, |conn| {
        transition(
            conn,
            now,
            None,
            id,
            Action::Pay,
            |_| Ok(()),
            |conn, row| {
                let lines = store::lines(conn, &row.id)?;
                store::project_p3dn(conn, zone, row, &lines, Some(to_db(now)))?;
                let number = row.invoice_number.clone().unwrap_or_default();
                notify::send(
                conn,
                now,
                row,
                &[To::Treasurers, To::Vendor],
                "Tagihan lunas / Invoice paid",
                &format!("Tagihan {number} telah dibayar melalui virtual account.\nInvoice {number} is paid by virtual account."),
            )?;
                Ok(detail)
            },
        )?;
        transition(conn, now, None, id, Action::Complete, |_| Ok(()), |_, _| Ok(json!({})))
    })
}
