//! Generated orders, for measuring order lists and reports at volume (`pasar seed-demo
//! --bulk-orders N [--lines-per-order K]`). They are history: written straight into
//! their states without taking stock, in batches of 1,000, each batch one transaction
//! with one audit entry. Signed orders (completed, invoiced) carry a Surat Pesanan, frozen
//! lines and their P3DN rows, as the real flow leaves them; completed ones are paid.

use crate::cart::line_row;
use crate::error::OrderError;
use crate::model::OrderState;
use crate::settings::OrderSettings;
use crate::store::{self, Opening, OrderRow, P3dnPlace};
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use pasar_catalog::facts::ProductFacts;
use pasar_catalog::stock;
use pasar_core::clock::local_date;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};

/// Who the generated orders belong to.
pub struct Buyers<'a> {
    pub satker_id: &'a str,
    pub buyer_id: &'a str,
    pub ppk_id: &'a str,
}

/// Writes `count` orders spread over the past year, each of `lines_per_order` lines of
/// one vendor's products: order `i` is bought by `buyers[i % len]` from the vendor
/// `vendors[i % len]` (each the ids of that vendor's products).
pub fn seed_orders(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    buyers: &[Buyers<'_>],
    vendors: &[Vec<String>],
    count: usize,
    lines_per_order: usize,
) -> Result<usize, OrderError> {
    let zone = settings.time_zone();
    let today = local_date(now, zone);
    let mut offers: Vec<Vec<ProductFacts>> = Vec::new();
    for ids in vendors {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let facts: Vec<ProductFacts> =
            stock::offers(conn, &settings.vendors, &ids, today)?.into_iter().flatten().map(|o| o.facts).collect();
        if !facts.is_empty() {
            offers.push(facts);
        }
    }
    if offers.is_empty() || buyers.is_empty() {
        return Err(OrderError::NotFound("product"));
    }
    let mut places = Vec::new();
    for b in buyers {
        places.push(store::opd_and_pemda(conn, b.satker_id)?);
    }
    let states = [OrderState::Completed, OrderState::Cancelled, OrderState::Invoiced, OrderState::AwaitingPpkApproval];
    let lines_per_order = lines_per_order.max(1);
    let mut written = 0;
    for start in (0..count).step_by(1_000) {
        let end = (start + 1_000).min(count);
        write_tx(conn, |conn| {
            let (mut rows, mut lines, mut p3dn) = (Vec::new(), Vec::new(), Vec::new());
            for i in start..end {
                // Oldest first, so that ids (UUID v7) and creation times agree.
                let at = now - TimeDelta::seconds(((count - i) as i64 * 31_536_000) / count as i64);
                let id = uuid::Uuid::now_v7().to_string();
                let who = &buyers[i % buyers.len()];
                let products = &offers[i % offers.len()];
                let state = states[i % states.len()];
                let signed = matches!(state, OrderState::Completed | OrderState::Invoiced);
                let mut order_lines = Vec::new();
                for n in 0..lines_per_order {
                    let facts = &products[(i + n) % products.len()];
                    let quantity = 1 + ((i + n) as i64 % 5);
                    let mut line = line_row(&id, n as i32 + 1, quantity, facts).with_facts(facts);
                    if signed {
                        line.frozen_at = Some(to_db(at));
                        line.shipped_quantity = quantity;
                        line.accepted_quantity = Some(quantity);
                    }
                    order_lines.push(line);
                }
                let total = order_lines.iter().map(|l| l.quantity * l.unit_price_idr).sum();
                let local = local_date(at, zone);
                let mut row = OrderRow::from(Opening {
                    id: id.clone(),
                    checkout_ref: id.clone(),
                    satker_id: who.satker_id.to_owned(),
                    vendor_id: products[0].vendor_id.clone(),
                    buyer_id: who.buyer_id.to_owned(),
                    ppk_id: who.ppk_id.to_owned(),
                    state: state.as_str().into(),
                    method: "e_purchasing".into(),
                    rup_code: format!("{}", 40_000_000 + i),
                    budget_line: ["5.1.02.01.01.0024", "5.1.02.01.01.0026", "5.1.02.02.01.0063"][i % 3].into(),
                    funding_source: ["apbd", "dak", "blud"][i % 3].into(),
                    fiscal_year: local.year(),
                    delivery_address: "Alamat satuan kerja".into(),
                    delivery_date: local.to_string(),
                    note: None,
                    total_idr: total,
                    due_at: None,
                    at: to_db(at),
                });
                if signed {
                    row.sp_number = Some(format!("SP-{}-B{i:07}", local.year()));
                    row.sp_signed_at = Some(to_db(at));
                    row.vendor_signed_at = Some(to_db(at));
                    let (opd_id, pemda_id) = &places[i % buyers.len()];
                    let paid_at = (state == OrderState::Completed).then(|| to_db(at + TimeDelta::days(1)));
                    p3dn.extend(store::p3dn_rows(&row, &order_lines, &P3dnPlace { opd_id, pemda_id, paid_at }));
                }
                rows.push(row);
                lines.extend(order_lines);
            }
            store::insert_orders(conn, &rows, &lines)?;
            store::insert_p3dn(conn, &p3dn)?;
            store::add_daily(conn, &store::daily_of(zone, &[(&p3dn, 1)]))?;
            audit::append(
                conn,
                now,
                AuditEntry {
                    actor_id: None,
                    action: "order.bulk_seed",
                    entity_type: "satker",
                    entity_id: buyers[0].satker_id,
                    before: None,
                    after: Some(serde_json::json!({ "orders": end - start, "lines": lines.len() })),
                    request_id: None,
                },
            )?;
            Ok::<_, OrderError>(())
        })?;
        written = end;
    }
    Ok(written)
}
