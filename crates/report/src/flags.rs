//! Red flags for auditors: patterns in the period's signed orders that deserve a look.
//! A flag is a question, not a finding: each names the orders it rests on.
//!
//! - **Possible split purchases**: one satker buying from one vendor, or in one
//!   category, in several orders each under the ceiling, within a few days, whose sum
//!   passes the ceiling.
//! - **Unit prices far above** the category's median in the period, or above the lowest
//!   price the product itself had in the days before the Surat Pesanan.
//! - **Concentration**: the share of the top vendors in spend and the Herfindahl index
//!   (Σ share², on 0–10,000), and the share of spend going to vendors outside the
//!   marketplace's regions.
//!
//! Thresholds are configuration (`[reports.red_flags]`); an auditor may override each
//! one per request.

use crate::error::ReportError;
use crate::p3dn::{load_sql, Bind, Query, Scope, Sql};
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamp};
use pasar_auth::model::Actor;
use pasar_core::Zone;
use pasar_db::schema::{order_lines, orders, p3dn_lines, product_prices};
use pasar_db::DbConn;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// When a pattern is flagged (`[reports.red_flags]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// The ceiling purchases may be split to stay under (the PP's Rp200,000,000 by default;
    /// a pemda may look at the Rp50,000,000 of direct purchase instead).
    pub split_ceiling_idr: i64,
    /// Orders this many days apart or less count together.
    pub split_window_days: u32,
    /// A unit price above this multiple of its category's median (basis points: 30000 = 3×).
    pub category_price_factor_bp: u32,
    /// Categories with fewer lines than this have no meaningful median.
    pub category_min_lines: u32,
    /// A unit price above this multiple of the product's lowest price in the
    /// `history_days` before the Surat Pesanan (15000 = 1.5×).
    pub history_price_factor_bp: u32,
    pub history_days: u32,
    /// How many of the largest vendors the concentration share counts.
    pub top_vendors: u32,
    /// A Herfindahl index above this is flagged (2500: highly concentrated).
    pub hhi_limit: u32,
    /// A share of spend outside the marketplace's regions above this is flagged (bp).
    pub outside_share_limit_bp: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            split_ceiling_idr: 200_000_000,
            split_window_days: 14,
            category_price_factor_bp: 30_000,
            category_min_lines: 5,
            history_price_factor_bp: 15_000,
            history_days: 90,
            top_vendors: 5,
            hhi_limit: 2_500,
            outside_share_limit_bp: 5_000,
        }
    }
}

/// Orders that may be one purchase split to stay under the ceiling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SplitFlag {
    pub satker_id: String,
    pub satker_name: String,
    /// `vendor` or `category`: what the orders share besides the satker.
    pub by: String,
    pub key: String,
    /// The vendor's or the category's name.
    pub key_name: String,
    pub orders: Vec<String>,
    pub total_idr: i64,
    pub first_at: chrono::DateTime<chrono::Utc>,
    pub last_at: chrono::DateTime<chrono::Utc>,
}

/// An order line priced far above what it is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PriceFlag {
    pub order_id: String,
    pub line_no: i32,
    pub product_id: String,
    pub product_name: String,
    pub category_id: String,
    pub unit_price_idr: i64,
    /// `category_median` or `product_history`.
    pub compared_with: String,
    pub reference_idr: i64,
    /// Unit price ÷ reference, basis points.
    pub ratio_bp: u32,
}

/// One of the largest vendors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VendorShare {
    pub vendor_id: String,
    pub idr: i64,
    pub share_bp: u32,
}

/// How spend is spread over vendors and regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Concentration {
    pub total_idr: i64,
    pub vendors: i64,
    pub top: Vec<VendorShare>,
    /// The top vendors' share of spend, basis points.
    pub top_share_bp: u32,
    /// Herfindahl–Hirschman index, Σ(share in %)², 0–10,000.
    pub hhi: u32,
    pub hhi_flagged: bool,
    pub outside_idr: i64,
    pub outside_share_bp: u32,
    pub outside_flagged: bool,
    /// The orders with vendors from outside the marketplace's regions.
    pub outside_orders: Vec<String>,
}

/// Red flags of a scope and period, over the Surat Pesanan signed in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RedFlags {
    pub scope: Scope,
    pub period: crate::p3dn::Period,
    pub thresholds: Thresholds,
    pub split_purchases: Vec<SplitFlag>,
    pub prices: Vec<PriceFlag>,
    pub concentration: Concentration,
}

/// One order's committed spend in one category.
#[derive(Debug, QueryableByName)]
struct Part {
    #[diesel(sql_type = Text)]
    order_id: String,
    #[diesel(sql_type = Text)]
    satker_id: String,
    #[diesel(sql_type = Text)]
    vendor_id: String,
    #[diesel(sql_type = Text)]
    category_id: String,
    #[diesel(sql_type = Timestamp)]
    signed_at: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    idr: i64,
    #[diesel(sql_type = Bool)]
    is_local: bool,
}

/// The red flags of `q`'s scope and period (administrators and auditors).
pub fn red_flags(
    conn: &mut DbConn,
    actor: &Actor,
    t: &Thresholds,
    zone: Zone,
    q: &Query,
) -> Result<RedFlags, ReportError> {
    if !actor.reads_everything() {
        return Err(ReportError::Forbidden("Red flags are read by administrators and auditors.".into()));
    }
    let (start, end) = q.period.bounds(zone);
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT order_id, satker_id, vendor_id, category_id, committed_at AS signed_at, local_vendor AS is_local, \
         CAST(SUM(committed_idr) AS BIGINT) AS idr FROM p3dn_lines WHERE ",
    )
    .scope(&q.scope)
    .push("committed_at >= ")
    .bind(Bind::At(start))
    .push(" AND committed_at < ")
    .bind(Bind::At(end))
    .push(" GROUP BY order_id, satker_id, vendor_id, category_id, committed_at, local_vendor");
    let parts: Vec<Part> = pasar_db::per_backend!(conn, |c| load_sql!(c, sql, Part))?;
    let mut split_purchases = splits(&parts, t);
    let ids: Vec<&str> = split_purchases.iter().flat_map(|s| [s.satker_id.as_str(), s.key.as_str()]).collect();
    let names = crate::p3dn::names_of(conn, &ids)?;
    for s in &mut split_purchases {
        s.satker_name = names.get(&s.satker_id).cloned().unwrap_or_default();
        s.key_name = names.get(&s.key).cloned().unwrap_or_default();
    }
    Ok(RedFlags {
        scope: q.scope.clone(),
        period: q.period.clone(),
        thresholds: *t,
        split_purchases,
        prices: prices(conn, q, zone, t)?,
        concentration: concentration(&parts, t),
    })
}

/// Orders by id: when signed, and their spend.
type OrdersAt<'a> = BTreeMap<&'a str, (NaiveDateTime, i64)>;

/// Clusters of orders of one satker sharing a vendor (or a category), each under the
/// ceiling, within the window of each other, whose sum passes the ceiling.
fn splits(parts: &[Part], t: &Thresholds) -> Vec<SplitFlag> {
    let window = TimeDelta::days(i64::from(t.split_window_days));
    let mut out = Vec::new();
    for by in ["vendor", "category"] {
        // (satker, key) → order → (time, spend)
        let mut groups: BTreeMap<(&str, &str), OrdersAt<'_>> = BTreeMap::new();
        for p in parts {
            let key = if by == "vendor" { p.vendor_id.as_str() } else { p.category_id.as_str() };
            let e = groups.entry((&p.satker_id, key)).or_default().entry(&p.order_id).or_insert((p.signed_at, 0));
            e.1 += p.idr;
        }
        for ((satker, key), orders) in groups {
            let mut list: Vec<(&str, NaiveDateTime, i64)> = orders
                .into_iter()
                .filter(|(_, (_, idr))| *idr < t.split_ceiling_idr)
                .map(|(id, (at, idr))| (id, at, idr))
                .collect();
            list.sort_by_key(|(id, at, _)| (*at, *id));
            // Runs of orders each within the window of the one before.
            let mut run: Vec<(&str, NaiveDateTime, i64)> = Vec::new();
            let mut flush = |run: &mut Vec<(&str, NaiveDateTime, i64)>| {
                let total: i64 = run.iter().map(|r| r.2).sum();
                if run.len() >= 2 && total > t.split_ceiling_idr {
                    out.push(SplitFlag {
                        satker_id: satker.to_owned(),
                        satker_name: String::new(),
                        by: by.into(),
                        key: key.to_owned(),
                        key_name: String::new(),
                        orders: run.iter().map(|r| r.0.to_owned()).collect(),
                        total_idr: total,
                        first_at: run[0].1.and_utc(),
                        last_at: run[run.len() - 1].1.and_utc(),
                    });
                }
                run.clear();
            };
            for o in list {
                if run.last().is_some_and(|last| o.1 - last.1 > window) {
                    flush(&mut run);
                }
                run.push(o);
            }
            flush(&mut run);
        }
    }
    out
}

type PricedLine = (String, i32, String, String, String, i64, NaiveDateTime);

/// Lines priced far above their category's median in the period, or above the lowest
/// price their product had in the days before the Surat Pesanan.
fn prices(conn: &mut DbConn, q: &Query, zone: Zone, t: &Thresholds) -> Result<Vec<PriceFlag>, ReportError> {
    let (start, end) = q.period.bounds(zone);
    let mut f = p3dn_lines::table
        .inner_join(
            order_lines::table
                .on(order_lines::order_id.eq(p3dn_lines::order_id).and(order_lines::line_no.eq(p3dn_lines::line_no))),
        )
        .inner_join(orders::table.on(orders::id.eq(p3dn_lines::order_id)))
        .filter(p3dn_lines::committed_at.ge(start).and(p3dn_lines::committed_at.lt(end)))
        .into_boxed();
    if let Some(id) = q.scope.id.clone() {
        f = match q.scope.kind.as_str() {
            "pemda" => f.filter(p3dn_lines::pemda_id.eq(id)),
            "opd" => f.filter(p3dn_lines::opd_id.eq(id)),
            _ => f.filter(p3dn_lines::satker_id.eq(id)),
        };
    }
    let lines: Vec<PricedLine> = f
        .select((
            p3dn_lines::order_id,
            p3dn_lines::line_no,
            order_lines::product_id,
            order_lines::product_name,
            p3dn_lines::category_id,
            order_lines::unit_price_idr,
            p3dn_lines::committed_at,
        ))
        .load(conn)?;
    let mut by_category: HashMap<&str, Vec<i64>> = HashMap::new();
    for l in &lines {
        by_category.entry(&l.4).or_default().push(l.5);
    }
    let medians: HashMap<&str, i64> = by_category
        .into_iter()
        .filter(|(_, v)| v.len() >= t.category_min_lines as usize)
        .map(|(k, mut v)| {
            v.sort_unstable();
            let m = if v.len() % 2 == 1 { v[v.len() / 2] } else { (v[v.len() / 2 - 1] + v[v.len() / 2] + 1) / 2 };
            (k, m)
        })
        .collect();
    let flag = |l: &PricedLine, compared_with: &str, reference: i64| PriceFlag {
        order_id: l.0.clone(),
        line_no: l.1,
        product_id: l.2.clone(),
        product_name: l.3.clone(),
        category_id: l.4.clone(),
        unit_price_idr: l.5,
        compared_with: compared_with.into(),
        reference_idr: reference,
        ratio_bp: ((i128::from(l.5) * 10_000) / i128::from(reference.max(1))) as u32,
    };
    let above = |price: i64, reference: i64, factor_bp: u32| {
        reference > 0 && i128::from(price) * 10_000 > i128::from(reference) * i128::from(factor_bp)
    };
    let mut out = Vec::new();
    for l in &lines {
        if let Some(&m) = medians.get(l.4.as_str()) {
            if above(l.5, m, t.category_price_factor_bp) {
                out.push(flag(l, "category_median", m));
            }
        }
        let since = l.6 - TimeDelta::days(i64::from(t.history_days));
        let lowest: Option<i64> = product_prices::table
            .filter(product_prices::product_id.eq(&l.2))
            .filter(product_prices::changed_at.ge(since).and(product_prices::changed_at.le(l.6)))
            .select(diesel::dsl::min(product_prices::unit_price_idr))
            .first(conn)?;
        if let Some(low) = lowest {
            if above(l.5, low, t.history_price_factor_bp) {
                out.push(flag(l, "product_history", low));
            }
        }
    }
    Ok(out)
}

fn concentration(parts: &[Part], t: &Thresholds) -> Concentration {
    let total: i64 = parts.iter().map(|p| p.idr).sum();
    let mut by_vendor: HashMap<&str, i64> = HashMap::new();
    for p in parts {
        *by_vendor.entry(&p.vendor_id).or_default() += p.idr;
    }
    let share = |x: i64| {
        if total > 0 {
            ((i128::from(x) * 20_000 + i128::from(total)) / (i128::from(total) * 2)) as u32
        } else {
            0
        }
    };
    let mut ranked: Vec<(&str, i64)> = by_vendor.iter().map(|(k, v)| (*k, *v)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<VendorShare> = ranked
        .iter()
        .take(t.top_vendors as usize)
        .map(|(v, idr)| VendorShare { vendor_id: (*v).to_owned(), idr: *idr, share_bp: share(*idr) })
        .collect();
    let top_idr: i64 = top.iter().map(|v| v.idr).sum();
    // Σ (share in %)², from exact shares: Σ (x / total × 100)² = 10⁴ × Σ x² / total².
    let hhi = if total > 0 {
        let sq: i128 = ranked.iter().map(|(_, x)| i128::from(*x) * i128::from(*x)).sum();
        ((sq * 10_000 * 2 + i128::from(total) * i128::from(total)) / (i128::from(total) * i128::from(total) * 2)) as u32
    } else {
        0
    };
    let outside: Vec<&Part> = parts.iter().filter(|p| !p.is_local).collect();
    let outside_idr: i64 = outside.iter().map(|p| p.idr).sum();
    let mut outside_orders: Vec<String> = outside.iter().map(|p| p.order_id.clone()).collect();
    outside_orders.sort();
    outside_orders.dedup();
    Concentration {
        total_idr: total,
        vendors: ranked.len() as i64,
        top,
        top_share_bp: share(top_idr),
        hhi,
        hhi_flagged: total > 0 && hhi > t.hhi_limit,
        outside_idr,
        outside_share_bp: share(outside_idr),
        outside_flagged: share(outside_idr) > t.outside_share_limit_bp,
        outside_orders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(order: &str, vendor: &str, day: u32, idr: i64, local: bool) -> Part {
        Part {
            order_id: order.into(),
            satker_id: "s".into(),
            vendor_id: vendor.into(),
            category_id: "c".into(),
            signed_at: chrono::NaiveDate::from_ymd_opt(2026, 3, day).unwrap().and_hms_opt(10, 0, 0).unwrap(),
            idr,
            is_local: local,
        }
    }

    #[test]
    fn orders_under_the_ceiling_close_together_that_pass_it_are_a_possible_split() {
        let t = Thresholds { split_ceiling_idr: 50_000_000, split_window_days: 7, ..Thresholds::default() };
        let parts = [
            part("a", "v", 1, 30_000_000, true),
            part("b", "v", 5, 25_000_000, true),
            // Too far from b: a run of its own, under the ceiling alone.
            part("c", "v", 20, 40_000_000, true),
            // Over the ceiling itself: not a split, and it does not join a run.
            part("d", "v", 21, 60_000_000, true),
            part("e", "w", 1, 10_000_000, true),
        ];
        let flags = splits(&parts, &t);
        let by_vendor: Vec<&SplitFlag> = flags.iter().filter(|f| f.by == "vendor").collect();
        assert_eq!(by_vendor.len(), 1);
        assert_eq!(by_vendor[0].orders, ["a", "b"]);
        assert_eq!(by_vendor[0].total_idr, 55_000_000);
        // In the category, e joins a and b (and c stays apart).
        let by_category: Vec<&SplitFlag> = flags.iter().filter(|f| f.by == "category").collect();
        assert_eq!(by_category[0].orders, ["a", "e", "b"]);
    }

    #[test]
    fn concentration_is_the_top_share_and_the_herfindahl_index() {
        let parts = [part("a", "v", 1, 600, true), part("b", "w", 1, 300, false), part("c", "x", 1, 100, true)];
        let c = concentration(&parts, &Thresholds { top_vendors: 2, ..Thresholds::default() });
        assert_eq!((c.top_share_bp, c.vendors), (9_000, 3));
        // 60² + 30² + 10² = 4600.
        assert_eq!((c.hhi, c.hhi_flagged), (4_600, true));
        assert_eq!((c.outside_idr, c.outside_share_bp, c.outside_flagged), (300, 3_000, false));
        assert_eq!(c.outside_orders, ["b"]);
    }
}
