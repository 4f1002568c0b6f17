//! P3DN realisation: how much of a pemda's, an OPD's or a satker's spending in a period
//! went to domestic products (PDN), to micro and small businesses and cooperatives
//! (UMKK) and to local vendors, and the TKDN it carried, against the targets.
//!
//! # What is counted
//!
//! Every figure is a sum over order lines, read from `p3dn_lines`: the facts frozen on
//! each line at the Surat Pesanan, never today's product or vendor (see the
//! `2026-12-02-000018_p3dn_lines` migration and `pasar_order::store::project_p3dn`).
//!
//! - A line's value is quantity × agreed unit price, before PPN.
//! - **Committed**: lines whose Surat Pesanan was signed in the period, at their value
//!   then (as amended by accepted addenda).
//! - **Realised**: lines whose invoice was paid in the period, at the accepted quantity.
//! - PDN spend: lines whose PDN class is not `import`. UMKK spend: lines whose vendor was
//!   micro, small or a koperasi at the Surat Pesanan. Local: lines whose vendor was in a
//!   region the marketplace serves.
//! - Weighted TKDN = Σ(TKDN × line value) / Σ(line value). No official formula is
//!   published; this one is said on every report.
//! - Shares are basis points rounded half up; money is exact whole rupiah.
//!
//! One scan of the period's lines, grouped by the breakdown's key and the vendor, gives
//! the breakdown, the totals and the numbers of distinct vendors without a second pass.

use crate::error::ReportError;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use pasar_auth::model::Actor;
use pasar_core::error::FieldErrors;
use pasar_core::page::{Page, PageRequest};
use pasar_core::Zone;
use pasar_db::schema::{categories, order_lines, orders, organizations, p3dn_lines, vendors};
use pasar_db::time::to_db;
use pasar_db::DbConn;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The targets each share is measured against; configuration `[reports.targets]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    /// PDN share of spend, basis points (SE LKPP 8/2023: 95 %).
    pub pdn_share_bp: u32,
    /// UMKK share of spend, basis points (Perpres 12/2021 art. 65: at least 40 %).
    pub umkk_share_bp: u32,
    /// Local-vendor share of spend, if the pemda sets one.
    pub local_share_bp: Option<u32>,
    /// Weighted TKDN, if the pemda sets one.
    pub tkdn_weighted_bp: Option<u32>,
}

impl Default for Targets {
    fn default() -> Self {
        Targets { pdn_share_bp: 9_500, umkk_share_bp: 4_000, local_share_bp: None, tkdn_weighted_bp: None }
    }
}

impl Targets {
    pub fn check(&self) -> Result<(), String> {
        let all = [Some(self.pdn_share_bp), Some(self.umkk_share_bp), self.local_share_bp, self.tkdn_weighted_bp];
        if all.into_iter().flatten().any(|bp| bp > 10_000) {
            return Err("reports.targets: a target is at most 10000 basis points (100 %)".into());
        }
        Ok(())
    }
}

// ---- what a report is asked for ----

/// The days a report covers, inclusive, in the marketplace's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `2026`, `2026-Q3`, `2026-09`, or `2026-01-05..2026-02-10`.
    pub label: String,
}

impl Period {
    /// `period` (a fiscal year `2026`, a quarter `2026-Q3`, a month `2026-09`) or both
    /// `from` and `to`; neither means the fiscal year of `today`. Errors name the field.
    pub fn parse(
        period: Option<&str>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, FieldErrors> {
        let mut errors = FieldErrors::new();
        let out = match (period, from, to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                errors.add("period", "give either period or from and to, not both");
                None
            }
            (Some(p), None, None) => {
                let parsed = Period::named(p.trim());
                if parsed.is_none() {
                    errors.add("period", "must be a year (2026), a quarter (2026-Q3) or a month (2026-09)");
                }
                parsed
            }
            (None, Some(from), Some(to)) if from > to => {
                errors.add("to", "must not be before from");
                None
            }
            (None, Some(from), Some(to)) => Some(Period { from, to, label: format!("{from}..{to}") }),
            (None, Some(_), None) => {
                errors.add("to", "is required with from");
                None
            }
            (None, None, Some(_)) => {
                errors.add("from", "is required with to");
                None
            }
            (None, None, None) => Period::named(&today.year().to_string()),
        };
        match out {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(errors),
        }
    }

    fn named(p: &str) -> Option<Period> {
        let year_of = |s: &str| s.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y) && s.len() == 4);
        let (from, to) = if let Some(y) = year_of(p) {
            (NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 12, 31)?)
        } else {
            let (y, rest) = p.split_once('-')?;
            let y = year_of(y)?;
            if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
                let from = NaiveDate::from_ymd_opt(y, 3 * q - 2, 1)?;
                (from, from.checked_add_months(chrono::Months::new(3))?.pred_opt()?)
            } else {
                let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m) && rest.len() == 2)?;
                let from = NaiveDate::from_ymd_opt(y, m, 1)?;
                (from, from.checked_add_months(chrono::Months::new(1))?.pred_opt()?)
            }
        };
        Some(Period { from, to, label: p.to_uppercase() })
    }

    /// The period as instants `[start, end)` in the database's terms.
    pub(crate) fn bounds(&self, zone: Zone) -> (NaiveDateTime, NaiveDateTime) {
        let end = self.to.succ_opt().unwrap_or(self.to);
        (to_db(zone.start_of(self.from)), to_db(zone.start_of(end)))
    }
}

pasar_core::string_enum!(
    /// What a breakdown groups by.
    Dimension {
        Opd => "opd",
        Satker => "satker",
        Category => "category",
        Vendor => "vendor",
        BudgetLine => "budget_line",
        FundingSource => "funding_source",
    }
);

impl Dimension {
    fn column(self) -> &'static str {
        match self {
            Dimension::Opd => "opd_id",
            Dimension::Satker => "satker_id",
            Dimension::Category => "category_id",
            Dimension::Vendor => "vendor_id",
            Dimension::BudgetLine => "budget_line",
            Dimension::FundingSource => "funding_source",
        }
    }
}

/// Whose spending: the whole marketplace, or one pemda, OPD or satker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scope {
    /// `all`, `pemda`, `opd` or `satker`.
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

impl Scope {
    fn column(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "pemda" => Some("pemda_id"),
            "opd" => Some("opd_id"),
            "satker" => Some("satker_id"),
            _ => None,
        }
    }
}

/// Resolves `org` (a pemda, OPD or satker id) to a scope; none is the whole marketplace.
pub fn scope(conn: &mut DbConn, org: Option<&str>) -> Result<Scope, ReportError> {
    let Some(id) = org else { return Ok(Scope { kind: "all".into(), id: None, name: None }) };
    let found: Option<(String, String)> =
        organizations::table.find(id).select((organizations::kind, organizations::name)).first(conn).optional()?;
    match found {
        Some((kind, name)) if matches!(kind.as_str(), "pemda" | "opd" | "satker") => {
            Ok(Scope { kind, id: Some(id.to_owned()), name: Some(name) })
        }
        Some(_) => Err(ReportError::field("org", "must be a pemda, an OPD or a satker")),
        None => Err(ReportError::field("org", "no such organisation")),
    }
}

/// A report request, parsed.
#[derive(Debug, Clone)]
pub struct Query {
    pub scope: Scope,
    pub period: Period,
    pub group_by: Option<Dimension>,
}

// ---- what a report says ----

/// A part of spend and its share against a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub idr: i64,
    /// Basis points of the total; absent when nothing was spent.
    pub share_bp: Option<u32>,
    pub target_bp: Option<u32>,
    /// Whether the share reaches the target; absent without a target or without spend.
    pub met: Option<bool>,
}

/// Weighted TKDN against its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tkdn {
    /// Σ(TKDN × line value) / Σ(line value), basis points; absent when nothing was spent.
    pub weighted_bp: Option<u32>,
    pub target_bp: Option<u32>,
    pub met: Option<bool>,
}

/// The figures at one point (committed or realised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub total_idr: i64,
    pub pdn: Share,
    pub umkk: Share,
    pub local: Share,
    pub tkdn: Tkdn,
    pub orders: i64,
    pub vendors: i64,
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// The id (OPD, satker, category, vendor) or the value (budget line, funding source).
    pub key: String,
    pub name: String,
    pub committed: Figures,
    pub realised: Figures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    pub by: Dimension,
    /// Largest committed spend first.
    pub groups: Vec<Group>,
}

/// A P3DN realisation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub scope: Scope,
    pub period: Period,
    pub targets: Targets,
    /// Surat Pesanan signed in the period.
    pub committed: Figures,
    /// Invoices paid in the period.
    pub realised: Figures,
    pub breakdown: Option<Breakdown>,
    /// How the figures are counted, in words.
    pub method: String,
}

pub const METHOD: &str = "Line value = quantity × agreed unit price, before PPN, from the facts frozen at the \
Surat Pesanan. Committed: Surat Pesanan signed in the period. Realised: invoice paid in the period, at the \
accepted quantity. Weighted TKDN = Σ(TKDN × line value) / Σ(line value). Shares are rounded half up to 0.01 %.";

// ---- the scan ----

#[derive(Debug, QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    vendor_id: String,
    #[diesel(sql_type = BigInt)]
    c_total: i64,
    #[diesel(sql_type = BigInt)]
    c_pdn: i64,
    #[diesel(sql_type = BigInt)]
    c_umkk: i64,
    #[diesel(sql_type = BigInt)]
    c_local: i64,
    #[diesel(sql_type = BigInt)]
    c_tkdn: i64,
    #[diesel(sql_type = BigInt)]
    c_orders: i64,
    /// Orders counted once per category (their first line in it).
    #[diesel(sql_type = BigInt)]
    c_group_orders: i64,
    #[diesel(sql_type = BigInt)]
    r_total: i64,
    #[diesel(sql_type = BigInt)]
    r_pdn: i64,
    #[diesel(sql_type = BigInt)]
    r_umkk: i64,
    #[diesel(sql_type = BigInt)]
    r_local: i64,
    #[diesel(sql_type = BigInt)]
    r_tkdn: i64,
    #[diesel(sql_type = BigInt)]
    r_orders: i64,
    #[diesel(sql_type = BigInt)]
    r_group_orders: i64,
}

/// A value bound to a placeholder of a hand-written query.
pub(crate) enum Bind {
    At(NaiveDateTime),
    Text(String),
    /// A local day as days since 1970-01-01.
    Day(i32),
}

/// Builds SQL text with placeholders in each engine's form (`$n` or `?`), bound in order.
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) binds: Vec<Bind>,
    pg: bool,
}

impl Sql {
    pub(crate) fn new(conn: &DbConn) -> Sql {
        Sql { text: String::new(), binds: Vec::new(), pg: matches!(conn, DbConn::Pg(_)) }
    }

    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// `column = <id> AND ` for a scope narrower than the whole marketplace.
    pub(crate) fn scope(&mut self, scope: &Scope) -> &mut Self {
        if let (Some(column), Some(id)) = (scope.column(), &scope.id) {
            self.push(&format!("{column} = ")).bind(Bind::Text(id.clone())).push(" AND ");
        }
        self
    }

    pub(crate) fn bind(&mut self, b: Bind) -> &mut Self {
        self.binds.push(b);
        if self.pg {
            let n = self.binds.len();
            self.text.push_str(&format!("${n}"));
        } else {
            self.text.push('?');
        }
        self
    }
}

/// Loads the rows of type `$row` a [`Sql`] selects, on one engine's connection.
macro_rules! load_sql {
    ($c:expr, $sql:expr, $row:ty) => {{
        let mut q = diesel::sql_query($sql.text.as_str()).into_boxed();
        for b in &$sql.binds {
            q = match b {
                Bind::At(t) => q.bind::<Timestamp, _>(*t),
                Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                Bind::Day(d) => q.bind::<diesel::sql_types::Integer, _>(*d),
            };
        }
        q.load::<$row>($c)
    }};
}
pub(crate) use load_sql;

fn scan(conn: &mut DbConn, q: &Query, by: Option<Dimension>) -> Result<Vec<GroupRow>, ReportError> {
    let key = by.map(Dimension::column).unwrap_or("''");
    // A group counts an order once: by category, an order falls in each of its categories.
    let group_orders = if by == Some(Dimension::Category) { "category_orders" } else { "orders" };
    let sums = |p: &str, point: i32| {
        let at = |column: &str| format!("CAST(SUM(CASE WHEN point = {point} THEN {column} ELSE 0 END) AS BIGINT)");
        format!(
            "{} AS {p}_total, {} AS {p}_pdn, {} AS {p}_umkk, {} AS {p}_local, {} AS {p}_tkdn, {} AS {p}_orders, \
             {} AS {p}_group_orders",
            at("total_idr"),
            at("pdn_idr"),
            at("umkk_idr"),
            at("local_idr"),
            at("tkdn_idr_bp"),
            at("orders"),
            at(group_orders),
        )
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let day = |d: NaiveDate| (d - epoch).num_days() as i32;
    let mut sql = Sql::new(conn);
    sql.push(&format!(
        "SELECT {key} AS key, vendor_id, {}, {} FROM p3dn_daily WHERE ",
        sums("c", pasar_order::store::COMMITTED),
        sums("r", pasar_order::store::REALISED),
    ));
    sql.scope(&q.scope);
    sql.push("day >= ").bind(Bind::Day(day(q.period.from)));
    sql.push(" AND day <= ").bind(Bind::Day(day(q.period.to)));
    // (PostgreSQL refuses a constant in GROUP BY.)
    match by {
        Some(_) => sql.push(&format!(" GROUP BY {key}, vendor_id")),
        None => sql.push(" GROUP BY vendor_id"),
    };
    Ok(pasar_db::per_backend!(conn, |c| load_sql!(c, sql, GroupRow))?)
}

/// Sums of one point, folded from the scan's rows.
#[derive(Debug, Default, Clone)]
struct Sums {
    total: i64,
    pdn: i64,
    umkk: i64,
    local: i64,
    tkdn: i128,
    orders: i64,
    vendors: i64,
}

impl Sums {
    fn add(&mut self, total: i64, pdn: i64, umkk: i64, local: i64, tkdn: i64, orders: i64) {
        self.total += total;
        self.pdn += pdn;
        self.umkk += umkk;
        self.local += local;
        self.tkdn += i128::from(tkdn);
        self.orders += orders;
        if orders > 0 {
            self.vendors += 1;
        }
    }

    fn figures(&self, t: &Targets) -> Figures {
        let share = |part: i64, target: Option<u32>| {
            let share_bp = ratio_bp(i128::from(part), i128::from(self.total));
            Share { idr: part, share_bp, target_bp: target, met: share_bp.zip(target).map(|(s, t)| s >= t) }
        };
        // Σ(value × TKDN bp) / Σ value is already in basis points.
        let weighted_bp = round_div(self.tkdn, i128::from(self.total));
        Figures {
            total_idr: self.total,
            pdn: share(self.pdn, Some(t.pdn_share_bp)),
            umkk: share(self.umkk, Some(t.umkk_share_bp)),
            local: share(self.local, t.local_share_bp),
            tkdn: Tkdn {
                weighted_bp,
                target_bp: t.tkdn_weighted_bp,
                met: weighted_bp.zip(t.tkdn_weighted_bp).map(|(s, t)| s >= t),
            },
            orders: self.orders,
            vendors: self.vendors,
        }
    }
}

/// `part / whole` in basis points, rounded half up; none when `whole` is 0.
fn ratio_bp(part: i128, whole: i128) -> Option<u32> {
    round_div(part * 10_000, whole)
}

/// `a / b` rounded half up, for `a, b ≥ 0`; none when `b` is 0.
fn round_div(a: i128, b: i128) -> Option<u32> {
    (b > 0).then(|| ((a * 2 + b) / (b * 2)) as u32)
}

/// Administrators and auditors read every report; anyone else is refused.
pub fn may_read(actor: &Actor) -> Result<(), ReportError> {
    if actor.reads_everything() {
        Ok(())
    } else {
        Err(ReportError::Forbidden("P3DN reports are read by administrators and auditors.".into()))
    }
}

/// The report `q` asks for, read by `actor`.
pub fn report(conn: &mut DbConn, actor: &Actor, targets: &Targets, q: &Query) -> Result<Report, ReportError> {
    may_read(actor)?;
    compute(conn, targets, q)
}

/// The report without a reader's rights: for the public dashboard, which shows only
/// what [`report`] would, by pemda and OPD.
pub fn compute(conn: &mut DbConn, targets: &Targets, q: &Query) -> Result<Report, ReportError> {
    let rows = scan(conn, q, q.group_by)?;
    let (mut committed, mut realised) = (Sums::default(), Sums::default());
    let (mut c_vendors, mut r_vendors) = (BTreeSet::new(), BTreeSet::new());
    let mut groups: BTreeMap<String, (Sums, Sums)> = BTreeMap::new();
    for r in &rows {
        // The totals count each order once, whatever the breakdown.
        committed.add(r.c_total, r.c_pdn, r.c_umkk, r.c_local, r.c_tkdn, r.c_orders);
        realised.add(r.r_total, r.r_pdn, r.r_umkk, r.r_local, r.r_tkdn, r.r_orders);
        if r.c_orders > 0 {
            c_vendors.insert(r.vendor_id.as_str());
        }
        if r.r_orders > 0 {
            r_vendors.insert(r.vendor_id.as_str());
        }
        let g = groups.entry(r.key.clone()).or_default();
        g.0.add(r.c_total, r.c_pdn, r.c_umkk, r.c_local, r.c_tkdn, r.c_group_orders);
        g.1.add(r.r_total, r.r_pdn, r.r_umkk, r.r_local, r.r_tkdn, r.r_group_orders);
    }
    // (`add` counted a vendor per row; the totals count each vendor once.)
    committed.vendors = c_vendors.len() as i64;
    realised.vendors = r_vendors.len() as i64;
    let breakdown = match q.group_by {
        None => None,
        Some(by) => {
            let names = names(conn, by, groups.keys().map(String::as_str).collect())?;
            let mut list: Vec<Group> = groups
                .into_iter()
                .map(|(key, (c, r))| Group {
                    name: names.get(&key).cloned().unwrap_or_else(|| key.clone()),
                    key,
                    committed: c.figures(targets),
                    realised: r.figures(targets),
                })
                .collect();
            list.sort_by(|a, b| {
                (b.committed.total_idr, b.realised.total_idr).cmp(&(a.committed.total_idr, a.realised.total_idr))
            });
            Some(Breakdown { by, groups: list })
        }
    };
    Ok(Report {
        scope: q.scope.clone(),
        period: q.period.clone(),
        targets: *targets,
        committed: committed.figures(targets),
        realised: realised.figures(targets),
        breakdown,
        method: METHOD.into(),
    })
}

/// Display names of a breakdown's keys.
fn names(conn: &mut DbConn, by: Dimension, keys: Vec<&str>) -> Result<HashMap<String, String>, ReportError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let pairs: Vec<(String, String)> = match by {
            Dimension::Opd | Dimension::Satker => organizations::table
                .filter(organizations::id.eq_any(chunk))
                .select((organizations::id, organizations::name))
                .load(conn)?,
            Dimension::Vendor => vendors::table
                .filter(vendors::id.eq_any(chunk))
                .select((vendors::id, vendors::legal_name))
                .load(conn)?,
            Dimension::Category => categories::table
                .filter(categories::id.eq_any(chunk))
                .select((categories::id, categories::name))
                .load(conn)?,
            Dimension::BudgetLine | Dimension::FundingSource => Vec::new(),
        };
        out.extend(pairs);
    }
    Ok(out)
}

/// An organisation a report may be about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportOrg {
    pub id: String,
    /// `pemda`, `opd` or `satker`.
    pub kind: String,
    pub name: String,
}

/// Every pemda, OPD and satker, by kind and name: what a report may be about.
pub fn organisations(conn: &mut DbConn) -> Result<Vec<ReportOrg>, ReportError> {
    let rows: Vec<(String, String, String)> = organizations::table
        .filter(organizations::kind.eq_any(["pemda", "opd", "satker"]))
        .order((organizations::kind.asc(), organizations::name.asc()))
        .select((organizations::id, organizations::kind, organizations::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, kind, name)| ReportOrg { id, kind, name }).collect())
}

/// Names of organisations, vendors and categories by id.
pub fn names_of(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, String>, ReportError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let orgs: Vec<(String, String)> = organizations::table
            .filter(organizations::id.eq_any(chunk))
            .select((organizations::id, organizations::name))
            .load(conn)?;
        let vs: Vec<(String, String)> =
            vendors::table.filter(vendors::id.eq_any(chunk)).select((vendors::id, vendors::legal_name)).load(conn)?;
        let cs: Vec<(String, String)> = categories::table
            .filter(categories::id.eq_any(chunk))
            .select((categories::id, categories::name))
            .load(conn)?;
        out.extend(orgs.into_iter().chain(vs).chain(cs));
    }
    Ok(out)
}

// ---- drill-down ----

pasar_core::string_enum!(
    /// Which moment a drill-down counts at.
    Point {
        Committed => "committed",
        Realised => "realised",
    }
);

pasar_core::string_enum!(
    /// Which part of spend a drill-down lists.
    Part {
        All => "all",
        Pdn => "pdn",
        Umkk => "umkk",
        Local => "local",
    }
);

/// The lines behind one figure: a point, a part, and optionally one group.
#[derive(Debug, Clone)]
pub struct LinesQuery {
    pub query: Query,
    pub point: Point,
    pub part: Part,
    /// The breakdown's group (`query.group_by` names the dimension).
    pub key: Option<String>,
}

/// One order line behind a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub order_id: String,
    pub line_no: i32,
    pub sp_number: Option<String>,
    pub product_name: String,
    pub unit: String,
    pub quantity: i64,
    pub accepted_quantity: Option<i64>,
    pub unit_price_idr: i64,
    /// The line's value at this point: what the figure sums.
    pub value_idr: i64,
    pub committed_at: chrono::DateTime<chrono::Utc>,
    pub realised_at: Option<chrono::DateTime<chrono::Utc>>,
    pub tkdn_bp: i32,
    pub bmp_bp: i32,
    pub pdn_class: String,
    pub umkk: bool,
    pub local_vendor: bool,
    pub vendor_scale: Option<String>,
    pub satker_id: String,
    pub opd_id: String,
    pub vendor_id: String,
    pub category_id: String,
    pub budget_line: String,
    pub funding_source: String,
}

/// A page of lines and the sum over all of them (which equals the figure).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lines {
    pub point: Point,
    pub part: Part,
    pub sum_idr: i64,
    pub count: i64,
    pub items: Vec<Line>,
    pub next_cursor: Option<String>,
}

type LineTuple = (
    (String, i32, String, String, String, String, String, String, String),
    (NaiveDateTime, i64, Option<NaiveDateTime>, i64, i32),
    (String, String, i64, Option<i64>, i64, i32, String, bool, bool, Option<String>),
    Option<String>,
);

/// The lines behind a figure of [`report`], in order of (order id, line), with their sum.
pub fn lines(
    conn: &mut DbConn,
    actor: &Actor,
    zone: Zone,
    lq: &LinesQuery,
    page: &PageRequest,
) -> Result<Lines, ReportError> {
    may_read(actor)?;
    let (start, end) = lq.query.period.bounds(zone);
    macro_rules! filtered {
        () => {{
            let mut f = p3dn_lines::table
                .inner_join(order_lines::table.on(
                    order_lines::order_id.eq(p3dn_lines::order_id).and(order_lines::line_no.eq(p3dn_lines::line_no)),
                ))
                .inner_join(orders::table.on(orders::id.eq(p3dn_lines::order_id)))
                .into_boxed();
            f = match lq.point {
                Point::Committed => f.filter(p3dn_lines::committed_at.ge(start).and(p3dn_lines::committed_at.lt(end))),
                Point::Realised => f.filter(p3dn_lines::realised_at.ge(start).and(p3dn_lines::realised_at.lt(end))),
            };
            f = match lq.part {
                Part::All => f,
                Part::Pdn => f.filter(p3dn_lines::pdn.eq(true)),
                Part::Umkk => f.filter(p3dn_lines::umkk.eq(true)),
                Part::Local => f.filter(p3dn_lines::local_vendor.eq(true)),
            };
            if let Some(id) = lq.query.scope.id.clone() {
                f = match lq.query.scope.kind.as_str() {
                    "pemda" => f.filter(p3dn_lines::pemda_id.eq(id)),
                    "opd" => f.filter(p3dn_lines::opd_id.eq(id)),
                    _ => f.filter(p3dn_lines::satker_id.eq(id)),
                };
            }
            if let (Some(by), Some(key)) = (lq.query.group_by, lq.key.clone()) {
                f = match by {
                    Dimension::Opd => f.filter(p3dn_lines::opd_id.eq(key)),
                    Dimension::Satker => f.filter(p3dn_lines::satker_id.eq(key)),
                    Dimension::Category => f.filter(p3dn_lines::category_id.eq(key)),
                    Dimension::Vendor => f.filter(p3dn_lines::vendor_id.eq(key)),
                    Dimension::BudgetLine => f.filter(p3dn_lines::budget_line.eq(key)),
                    Dimension::FundingSource => f.filter(p3dn_lines::funding_source.eq(key)),
                };
            }
            f
        }};
    }
    let totals = match lq.point {
        Point::Committed => "CAST(SUM(p3dn_lines.committed_idr) AS BIGINT), COUNT(*)",
        Point::Realised => "CAST(SUM(p3dn_lines.realised_idr) AS BIGINT), COUNT(*)",
    };
    let (sum, count): (Option<i64>, i64) =
        filtered!().select(diesel::dsl::sql::<(diesel::sql_types::Nullable<BigInt>, BigInt)>(totals)).first(conn)?;
    let mut f = filtered!();
    if let Some(after) = &page.after {
        let (order_id, line_no) = after
            .rsplit_once('/')
            .and_then(|(o, n)| Some((o.to_owned(), n.parse::<i32>().ok()?)))
            .ok_or_else(|| ReportError::field("cursor", "is not a cursor this list gave"))?;
        f = f.filter(
            p3dn_lines::order_id
                .gt(order_id.clone())
                .or(p3dn_lines::order_id.eq(order_id).and(p3dn_lines::line_no.gt(line_no))),
        );
    }
    let rows: Vec<LineTuple> = f
        .order((p3dn_lines::order_id.asc(), p3dn_lines::line_no.asc()))
        .limit(page.fetch_limit())
        .select((
            (
                p3dn_lines::order_id,
                p3dn_lines::line_no,
                p3dn_lines::satker_id,
                p3dn_lines::opd_id,
                p3dn_lines::vendor_id,
                p3dn_lines::category_id,
                p3dn_lines::budget_line,
                p3dn_lines::funding_source,
                order_lines::unit,
            ),
            (
                p3dn_lines::committed_at,
                p3dn_lines::committed_idr,
                p3dn_lines::realised_at,
                p3dn_lines::realised_idr,
                p3dn_lines::tkdn_bp,
            ),
            (
                order_lines::product_name,
                order_lines::pdn_class,
                order_lines::quantity,
                order_lines::accepted_quantity,
                order_lines::unit_price_idr,
                order_lines::bmp_bp,
                order_lines::order_id,
                p3dn_lines::umkk,
                p3dn_lines::local_vendor,
                order_lines::vendor_scale,
            ),
            orders::sp_number,
        ))
        .load(conn)?;
    let page = Page::from_rows(rows, page, |r| format!("{}/{}", r.0 .0, r.0 .1));
    let items = page
        .items
        .into_iter()
        .map(|(a, b, c, sp_number)| Line {
            order_id: a.0,
            line_no: a.1,
            sp_number,
            product_name: c.0,
            unit: a.8,
            quantity: c.2,
            accepted_quantity: c.3,
            unit_price_idr: c.4,
            value_idr: match lq.point {
                Point::Committed => b.1,
                Point::Realised => b.3,
            },
            committed_at: b.0.and_utc(),
            realised_at: b.2.map(|t| t.and_utc()),
            tkdn_bp: b.4,
            bmp_bp: c.5,
            pdn_class: c.1,
            umkk: c.7,
            local_vendor: c.8,
            vendor_scale: c.9,
            satker_id: a.2,
            opd_id: a.3,
            vendor_id: a.4,
            category_id: a.5,
            budget_line: a.6,
            funding_source: a.7,
        })
        .collect();
    Ok(Lines { point: lq.point, part: lq.part, sum_idr: sum.unwrap_or(0), count, items, next_cursor: page.next_cursor })
}
