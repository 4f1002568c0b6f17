//! Generated orders, for measuring order lists at volume (`pasar seed-demo
//! --bulk-orders`). They are history: written straight into their states without
//! taking stock, in batches of 1,000, each batch one transaction with one audit entry.

use crate::cart::line_row;
use crate::error::OrderError;
use crate::model::OrderState;
use crate::settings::OrderSettings;
use crate::store::{self, Opening, OrderRow};
use chrono::{DateTime, Datelike, Utc};
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

/// Writes `count` orders of `product_id` for the satker, spread over the past year.
pub fn seed_orders(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    who: &Buyers<'_>,
    product_id: &str,
    count: usize,
) -> Result<usize, OrderError> {
    let today = local_date(now, settings.time_zone());
    let offer = stock::offer(conn, &settings.vendors, product_id, today)?.ok_or(OrderError::NotFound("product"))?;
    let states = [OrderState::Completed, OrderState::Cancelled, OrderState::Invoiced, OrderState::AwaitingPpkApproval];
    let mut written = 0;
    for start in (0..count).step_by(1_000) {
        let end = (start + 1_000).min(count);
        write_tx(conn, |conn| {
            for i in start..end {
                // Oldest first, so that ids (UUID v7) and creation times agree.
                let at = now - chrono::TimeDelta::seconds(((count - i) as i64 * 31_536_000) / count as i64);
                let id = uuid::Uuid::now_v7().to_string();
                let quantity = 1 + (i as i64 % 5);
                let line = line_row(&id, 1, quantity, &offer.facts);
                let total = quantity * offer.facts.unit_price_idr;
                let row = OrderRow::from(Opening {
                    id: id.clone(),
                    checkout_ref: id.clone(),
                    satker_id: who.satker_id.to_owned(),
                    vendor_id: offer.facts.vendor_id.clone(),
                    buyer_id: who.buyer_id.to_owned(),
                    ppk_id: who.ppk_id.to_owned(),
                    state: states[i % states.len()].as_str().into(),
                    method: "e_purchasing".into(),
                    rup_code: format!("{}", 40_000_000 + i),
                    budget_line: "5.1.02.01.01.0024".into(),
                    funding_source: "apbd".into(),
                    fiscal_year: local_date(at, settings.time_zone()).year(),
                    delivery_address: "Alamat satuan kerja".into(),
                    delivery_date: local_date(at, settings.time_zone()).to_string(),
                    note: None,
                    total_idr: total,
                    due_at: None,
                    at: to_db(at),
                });
                store::insert_order(conn, &row, &[line])?;
            }
            audit::append(
                conn,
                now,
                AuditEntry {
                    actor_id: None,
                    action: "order.bulk_seed",
                    entity_type: "satker",
                    entity_id: who.satker_id,
                    before: None,
                    after: Some(serde_json::json!({ "orders": end - start, "product_id": product_id })),
                    request_id: None,
                },
            )?;
            Ok::<_, OrderError>(())
        })?;
        written = end;
    }
    Ok(written)
}
